import type { NotifyContent } from '@beckon/sip';

/** How a device reaches the call-home listener for a protocol (this issue: a TCP or TLS connection). */
export type CallHomeCarrier = 'tcp' | 'tls';

/** What a protocol plug-in gets to build a NOTIFY body in its own format. */
export interface ManagementNotifyContext {
  /** Identity of the request (group) the call-home must carry (`req` of the hello). */
  readonly requestId: string;
  /** The token of the protocol (as the plug-in registered it). */
  readonly token: string;
  /** Where the device calls (`host:port`, IPv6 in brackets). */
  readonly callHomeAddress: string;
  readonly carrier: CallHomeCarrier;
  /** Epoch ms. */
  readonly now: number;
}

/**
 * One management protocol the station can ask devices to use. Seed 000 §4.6: "if a management protocol
 * defines a notification content-type to be used in soliciting a device-initiated management session,
 * the presence of that content-type in the SUBSCRIBE "Accept" header implicitly describes support for
 * that management protocol" — such protocols set `impliedBy` and build their own NOTIFY body.
 */
export interface ManagementProtocol {
  /** mgmt-protos-list token, lowercase `protocol-transport` (`snmp-ssh`, `vndx-tcp`). */
  readonly token: string;
  readonly carrier: CallHomeCarrier;
  /** Notification content type that implies this protocol (lowercase), e.g. `application/vnd.vendx.notify`. */
  readonly impliedBy?: string;
  /** Body of the non-empty NOTIFY when sent in the implied content type (required with `impliedBy`). */
  notifyBody?(ctx: ManagementNotifyContext): NotifyContent;
}

/** Management protocols known to a station, by token and by implying content type. */
export class ManagementProtocolRegistry {
  private readonly byTokenMap = new Map<string, ManagementProtocol>();
  private readonly byTypeMap = new Map<string, ManagementProtocol>();

  /** Registers a plug-in; false (nothing changed) when its token or implied type is taken. */
  register(p: ManagementProtocol): boolean {
    const token = p.token.toLowerCase();
    const type = p.impliedBy?.toLowerCase();
    if (this.byTokenMap.has(token) || (type !== undefined && this.byTypeMap.has(type))) return false;
    this.byTokenMap.set(token, p);
    if (type !== undefined) this.byTypeMap.set(type, p);
    return true;
  }

  byToken(token: string): ManagementProtocol | undefined {
    return this.byTokenMap.get(token.toLowerCase());
  }

  byContentType(type: string): ManagementProtocol | undefined {
    return this.byTypeMap.get(type.toLowerCase());
  }

  tokens(): string[] {
    return [...this.byTokenMap.keys()];
  }

  /**
   * A registry with the SNMP transports Beckon serves, all over a plain TCP call-home connection: after
   * the hello the device takes the server role of SSH (snmp-ssh, RFC 5592) or TLS (snmp-tls, RFC 6353)
   * and the station the client role (RFC 8071 §3.1); a `tls` carrier would invert the TLS roles.
   */
  static withDefaults(): ManagementProtocolRegistry {
    const r = new ManagementProtocolRegistry();
    r.register({ token: 'snmp-ssh', carrier: 'tcp' });
    r.register({ token: 'snmp-tls', carrier: 'tcp' });
    r.register({ token: 'snmp-tcp', carrier: 'tcp' });
    return r;
  }
}
