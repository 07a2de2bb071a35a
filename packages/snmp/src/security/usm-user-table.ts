import type { SecurityLevel } from '../proto/security-model.js';
import {
  authProtocol,
  isAuthProtocolName,
  type AuthProtocol,
  type AuthProtocolName,
} from './auth-protocol.js';
import { parseEngineIdHex } from './engine-id.js';
import type { LocalizedKeyCache } from './localized-key-cache.js';

export type PrivProtocolName = 'none' | 'aes';

/** One user from configuration (the usmUserTable row, with passwords instead of keys). */
export interface UsmUserConfig {
  name: string;
  authProtocol: AuthProtocolName;
  authPassword?: string;
  privProtocol: PrivProtocolName;
  privPassword?: string;
  /**
   * Authoritative engine ID (hex) this user belongs to. Absent: the local engine and any remote engine
   * this engine talks to as a manager. Set it for users of a remote engine that sends traps.
   */
  engineId?: string;
}

/** RFC 3414 §11.2: "it is recommended that passwords be at least 8 characters" (Net-SNMP enforces 8). */
export const MIN_PASSWORD_LENGTH = 8;

/** Checks user rows; returns problems (empty when valid). */
export function validateUsmUsers(users: readonly UsmUserConfig[]): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const [i, u] of users.entries()) {
    const at = `users[${i}]`;
    const len = Buffer.byteLength(u.name ?? '');
    if (len < 1 || len > 32) errors.push(`${at}: name must be 1..32 octets`);
    const key = `${u.name}\u0000${u.engineId ?? ''}`;
    if (seen.has(key)) errors.push(`${at}: duplicate user ${u.name}`);
    seen.add(key);
    if (!isAuthProtocolName(u.authProtocol))
      errors.push(`${at}: unknown authProtocol ${String(u.authProtocol)}`);
    if (u.privProtocol !== 'none' && u.privProtocol !== 'aes') {
      errors.push(`${at}: privProtocol must be none or aes`);
    }
    if (u.authProtocol !== 'none' && (u.authPassword ?? '').length < MIN_PASSWORD_LENGTH) {
      errors.push(`${at}: authPassword must have at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    if (u.privProtocol === 'aes') {
      // RFC 3414 §5: "usmNoAuthProtocol ... privacy cannot be used without authentication".
      if (u.authProtocol === 'none') errors.push(`${at}: privacy requires an authProtocol`);
      if ((u.privPassword ?? '').length < MIN_PASSWORD_LENGTH) {
        errors.push(`${at}: privPassword must have at least ${MIN_PASSWORD_LENGTH} characters`);
      }
    }
    if (u.engineId !== undefined && !parseEngineIdHex(u.engineId)) {
      errors.push(`${at}: engineId must be 5..32 octets of hex`);
    }
  }
  return errors;
}

/** Keys of one user localized for one authoritative engine. */
export interface LocalizedUserKeys {
  authKey: Buffer;
  privKey: Buffer;
}

/** A user with its master keys (Ku) computed once. */
export class UsmUser {
  readonly auth: AuthProtocol;
  readonly priv: PrivProtocolName;
  /** Raw msgUserName octets. */
  readonly nameOctets: Buffer;
  readonly engineId: Buffer | undefined;
  private readonly authKu: Buffer;
  private readonly privKu: Buffer;
  private readonly perEngine = new Map<string, LocalizedUserKeys>();

  constructor(
    readonly name: string,
    config: UsmUserConfig,
    private readonly cache: LocalizedKeyCache,
  ) {
    this.auth = authProtocol(config.authProtocol);
    this.priv = config.privProtocol;
    this.nameOctets = Buffer.from(name, 'utf8');
    this.engineId = config.engineId !== undefined ? parseEngineIdHex(config.engineId) : undefined;
    // RFC 3826 §1.2 / RFC 3414 §2.6: the privacy key is derived from the privacy password with the
    // user's authentication hash, localized the same way.
    this.authKu = this.auth.hash ? cache.masterKey(this.auth, config.authPassword ?? '') : Buffer.alloc(0);
    this.privKu =
      this.priv !== 'none' && this.auth.hash
        ? cache.masterKey(this.auth, config.privPassword ?? '')
        : Buffer.alloc(0);
  }

  /** The highest security level this user supports. */
  get maxLevel(): SecurityLevel {
    return this.priv !== 'none' ? 'authPriv' : this.auth.name !== 'none' ? 'authNoPriv' : 'noAuthNoPriv';
  }

  /** RFC 3414 §3.2 step 5 / §3.1 step 5: does the user support `level`? */
  supports(level: SecurityLevel): boolean {
    if (level === 'noAuthNoPriv') return true;
    if (level === 'authNoPriv') return this.auth.name !== 'none';
    return this.auth.name !== 'none' && this.priv !== 'none';
  }

  /** Keys localized for `engineId` (one hash each the first time, then a map lookup). */
  keysFor(engineId: Buffer): LocalizedUserKeys {
    const id = engineId.toString('latin1');
    let k = this.perEngine.get(id);
    if (!k) {
      k = {
        authKey: this.auth.hash ? this.cache.localize(this.auth, this.authKu, engineId) : Buffer.alloc(0),
        privKey: this.privKu.length ? this.cache.localize(this.auth, this.privKu, engineId) : Buffer.alloc(0),
      };
      // A user of the local engine only ever sees a handful of engines; bound it anyway.
      if (this.perEngine.size >= 1024) this.perEngine.clear();
      this.perEngine.set(id, k);
    }
    return k;
  }
}

/** The usmUserTable: users by (msgUserName, authoritative engine). */
export class UsmUserTable {
  private readonly anyEngine = new Map<string, UsmUser>();
  private readonly byEngine = new Map<string, UsmUser>();
  private readonly engines = new Set<string>();

  /** Throws on invalid rows (validate first with `validateUsmUsers`). Runs the 1 MB key expansions. */
  constructor(users: readonly UsmUserConfig[], cache: LocalizedKeyCache) {
    const errors = validateUsmUsers(users);
    if (errors.length > 0) throw new Error(`invalid USM users: ${errors.join('; ')}`);
    for (const u of users) {
      const user = new UsmUser(u.name, u, cache);
      const nameKey = user.nameOctets.toString('latin1');
      if (user.engineId) {
        const e = user.engineId.toString('latin1');
        this.engines.add(e);
        this.byEngine.set(`${e}\u0000${nameKey}`, user);
      } else this.anyEngine.set(nameKey, user);
    }
  }

  /** RFC 3414 §3.2 step 4: "Information about the value of the msgUserName and msgAuthoritativeEngineID". */
  find(userName: Buffer, engineId: Buffer): UsmUser | undefined {
    const nameKey = userName.toString('latin1');
    if (this.engines.size > 0) {
      const u = this.byEngine.get(`${engineId.toString('latin1')}\u0000${nameKey}`);
      if (u) return u;
    }
    return this.anyEngine.get(nameKey);
  }

  /** Every user row. */
  list(): UsmUser[] {
    return [...this.anyEngine.values(), ...this.byEngine.values()];
  }

  /** Engine IDs named by user rows (remote engines known by configuration). */
  configuredEngine(engineId: Buffer): boolean {
    return this.engines.has(engineId.toString('latin1'));
  }

  get size(): number {
    return this.anyEngine.size + this.byEngine.size;
  }
}
