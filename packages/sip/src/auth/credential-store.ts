/**
 * Where a digest server finds what it needs to check a response. HA1 values (H(user:realm:password))
 * are the normal case; cleartext passwords are kept only where a feature needs them (instrument
 * identification, seed 002).
 */
export type Credential =
  | { kind: 'ha1'; ha1: { md5?: string; sha256?: string; sha512_256?: string } }
  | { kind: 'password'; password: string };

export interface CredentialStore {
  lookup(realm: string, username: string): Promise<Credential | undefined> | Credential | undefined;
}

/** A credential store kept in memory, keyed by realm and username. */
export class InMemoryCredentialStore implements CredentialStore {
  private readonly entries = new Map<string, Credential>();

  set(realm: string, username: string, credential: Credential): void {
    this.entries.set(key(realm, username), credential);
  }

  delete(realm: string, username: string): boolean {
    return this.entries.delete(key(realm, username));
  }

  get size(): number {
    return this.entries.size;
  }

  lookup(realm: string, username: string): Credential | undefined {
    return this.entries.get(key(realm, username));
  }
}

function key(realm: string, username: string): string {
  return realm + '\u0000' + username;
}
