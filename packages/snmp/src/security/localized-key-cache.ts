import type { AuthProtocol } from './auth-protocol.js';
import { localizeKey, passwordToKey } from './password-to-key.js';

export interface LocalizedKeyCacheInit {
  /** Most localized keys kept (oldest dropped first). Default 4096. */
  maxEntries?: number;
}

/**
 * Caches the two costly steps of RFC 3414 §A.2: the 1 MB password expansion (Ku, one per protocol and
 * password) and the localization (Kul, one per Ku and engine ID). Ku is computed once when a user is
 * configured; Kul for a new engine ID costs one hash of |Ku|*2+|engineID| bytes. Nothing here runs the
 * 1 MB expansion on a per-message path once the user table is built.
 *
 * Passwords are not kept: the Ku map is keyed by a digest of protocol and password.
 */
export class LocalizedKeyCache {
  private readonly masters = new Map<string, Buffer>();
  private readonly localized = new Map<string, Buffer>();
  private readonly maxEntries: number;

  constructor(init: LocalizedKeyCacheInit = {}) {
    this.maxEntries = Math.max(1, init.maxEntries ?? 4096);
  }

  /** Ku for (protocol, password), computed on first use. */
  masterKey(protocol: AuthProtocol, password: string | Buffer): Buffer {
    const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
    // The key of the map is itself the password hashed with the protocol's hash after a domain
    // separator, so that a heap dump of the map does not show plaintext passwords.
    const id = protocol.name + ':' + localizeKey(protocol, pw, Buffer.from('beckon-ku-id')).toString('hex');
    let ku = this.masters.get(id);
    if (!ku) {
      ku = passwordToKey(protocol, pw);
      this.masters.set(id, ku);
    }
    return ku;
  }

  /** Kul for (protocol, Ku, engineId), computed on first use. */
  localize(protocol: AuthProtocol, ku: Buffer, engineId: Buffer): Buffer {
    const id = protocol.name + ':' + ku.toString('hex') + ':' + engineId.toString('hex');
    let kul = this.localized.get(id);
    if (kul) return kul;
    kul = localizeKey(protocol, ku, engineId);
    if (this.localized.size >= this.maxEntries) {
      const oldest = this.localized.keys().next();
      if (!oldest.done) this.localized.delete(oldest.value);
    }
    this.localized.set(id, kul);
    return kul;
  }

  get size(): number {
    return this.localized.size;
  }

  clear(): void {
    this.masters.clear();
    this.localized.clear();
  }
}
