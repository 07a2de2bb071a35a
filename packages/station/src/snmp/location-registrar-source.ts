import {
  timeStampOfEpoch,
  type RegisteredContact,
  type RegisteredUser,
  type RegistrarSource,
} from '@beckon/mibs';
import type { BindingRecord, LocationService } from '../location/index.js';

export interface LocationRegistrarSourceInit {
  /** sipServerRegMaxContactExpiryDuration (seconds): registrar.maxExpires. */
  maxExpires: number;
  /** sipServerRegDefaultRegActiveInterval (seconds): registrar.defaultExpires. */
  defaultExpires: number;
  /** sipServerRegMaxUsers (0 = no limit configured). */
  maxUsers?: number;
  /** sysUpTime now, for sipServerRegContactLastUpdated (a TimeStamp). */
  upTime: () => number;
  /** Wall clock (default Date.now). */
  now?: () => number;
}

/**
 * SIP-SERVER-MIB registration tables read straight from the live location service: no copy, each
 * GetNext is one ordered lookup (`nextUser` / `nextContact`, O(log n) over userIndex plus the handful of
 * bindings of one AOR).
 */
export class LocationRegistrarSource implements RegistrarSource {
  private readonly now: () => number;
  /**
   * Rows already built for a binding: a walk reads each contact once per column, and a BindingRecord is
   * immutable (a refresh replaces it), so the row is built once per binding and collected with it.
   */
  private readonly rows = new WeakMap<BindingRecord, RegisteredContact>();

  constructor(
    private readonly location: LocationService,
    private readonly init: LocationRegistrarSourceInit,
  ) {
    this.now = init.now ?? Date.now;
  }

  maxContactExpiryDuration(): number {
    return this.init.maxExpires;
  }

  maxUsers(): number {
    return this.init.maxUsers ?? 0;
  }

  currentUsers(): number {
    return this.location.size.aors;
  }

  defaultRegActiveInterval(): number {
    return this.init.defaultExpires;
  }

  userAfter(userIndex: number | undefined): RegisteredUser | undefined {
    const u = this.location.nextUser(userIndex ?? 0);
    return u ? user(u.userIndex, u.aor) : undefined;
  }

  getUser(userIndex: number): RegisteredUser | undefined {
    const u = this.location.userByIndex(userIndex);
    return u ? user(u.userIndex, u.aor) : undefined;
  }

  contactAfter(
    userIndex: number | undefined,
    contactIndex: number | undefined,
  ): RegisteredContact | undefined {
    const b = this.location.nextContact(userIndex ?? 0, contactIndex ?? 0);
    return b ? this.contact(b) : undefined;
  }

  getContact(userIndex: number, contactIndex: number): RegisteredContact | undefined {
    const b = this.location.contactByIndex(userIndex, contactIndex);
    return b ? this.contact(b) : undefined;
  }

  private contact(b: BindingRecord): RegisteredContact {
    const cached = this.rows.get(b);
    if (cached) return cached;
    const q = b.contactParams?.['q'];
    const row: RegisteredContact = {
      userIndex: b.userIndex,
      contactIndex: b.contactIndex,
      displayName: b.displayName ?? '',
      uri: b.contact,
      lastUpdated: timeStampOfEpoch(b.receivedAt, this.init.upTime(), this.now()),
      expiresAt: b.expiresAt,
      preference: typeof q === 'string' ? q : '',
    };
    this.rows.set(b, row);
    return row;
  }
}

/**
 * sipServerRegUserUri: "the user's address-of-record ... The format is typically 'user@domain'": the
 * location service keys AORs as 'sip:user@domain', so the scheme is dropped.
 */
function user(userIndex: number, aor: string): RegisteredUser {
  const colon = aor.indexOf(':');
  const uri = colon > 0 && colon < 5 ? aor.slice(colon + 1) : aor;
  return { userIndex, uri, authenticationFailures: 0 };
}
