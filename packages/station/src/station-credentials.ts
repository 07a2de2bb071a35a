import type { BeckonConfig } from '@beckon/config';
import { InMemoryCredentialStore, type Credential } from '@beckon/sip';

/**
 * The credential store of the embedded user list (`auth.users`). A user given with `password` keeps
 * the cleartext password in memory: that is what instrument identification method 1 needs (seed 002 §9:
 * the digest is computed over `user/TOKEN`, so HA1 of the plain user cannot verify it). A user given
 * only with `ha1` can register, but not with a tokened username.
 */
export function credentialStoreFromConfig(
  auth: BeckonConfig['auth'],
  realm: string,
): InMemoryCredentialStore {
  return credentialStoreFromUsers(auth.users, realm);
}

/** The same from the user list alone (what a registrar challenge thread is given). */
export function credentialStoreFromUsers(
  users: BeckonConfig['auth']['users'],
  realm: string,
): InMemoryCredentialStore {
  const store = new InMemoryCredentialStore();
  for (const u of users) {
    let c: Credential | undefined;
    if (u.password !== undefined) c = { kind: 'password', password: u.password };
    else if (u.ha1 !== undefined)
      c = { kind: 'ha1', ha1: u.ha1.length === 32 ? { md5: u.ha1 } : { sha256: u.ha1 } };
    if (c) store.set(realm, u.username, c);
  }
  return store;
}
