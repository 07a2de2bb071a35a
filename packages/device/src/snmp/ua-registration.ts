import type { Logger } from '@beckon/ops';
import type { SipEndpoint, TransportKind } from '@beckon/sip';
import type { UaServer } from './device-snmp-agent.js';

export interface UaRegistrationInit {
  /** Address-of-record user and domain: `sip:<user>@<domain>`. */
  user: string;
  domain: string;
  /** Digest username (ManagedDevice.authUsername: `user/MAC` with seed 002 method 1) and password. */
  authUsername: string;
  password: string;
  /** Contact header value (with `<...>`). */
  contact: string;
  transport: Extract<TransportKind, 'udp' | 'tcp'>;
  expiresSec?: number;
}

/**
 * The device's registration with the registrar its configuration names (RFC 3261 §10.2: same Call-ID,
 * rising CSeq, refreshed before expiry). Used when the registrar can change at run time — an SNMP SET
 * of sipUACfgServerAddress: `moveTo` unregisters from the old registrar and registers at the new one.
 * (ManagedDevice registers once to a fixed target; a device whose registrar is managed over SNMP runs
 * ManagedDevice without `registrar` and this beside it.)
 */
export class UaRegistration {
  private server: UaServer | undefined;
  private callId = `reg-${Math.random().toString(36).slice(2)}`;
  private cseq = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly log: Logger;
  /** Every REGISTER outcome (tests, status). */
  readonly history: { server: UaServer; expires: number; status: number }[] = [];

  constructor(
    private readonly components: { log: Logger; endpoint: Pick<SipEndpoint, 'createRequest' | 'request'> },
    private readonly init: UaRegistrationInit,
  ) {
    this.log = components.log.child({ component: 'device.registration' });
  }

  get current(): UaServer | undefined {
    return this.server ? { ...this.server } : undefined;
  }

  /** Registers at `server`; resolves with the final status. */
  async start(server: UaServer): Promise<number> {
    this.server = { ...server };
    return this.register(this.init.expiresSec ?? 3600);
  }

  /** Unregisters from the current registrar (best effort) and registers at `server`. */
  async moveTo(server: UaServer): Promise<number> {
    if (this.server) await this.register(0);
    this.server = { ...server };
    this.callId = `reg-${Math.random().toString(36).slice(2)}`;
    this.cseq = 0;
    const status = await this.register(this.init.expiresSec ?? 3600);
    this.log.info({ registrar: server, status }, 're-registered at the new registrar');
    return status;
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.server && !this.stopped) await this.register(0);
    this.stopped = true;
  }

  private async register(expires: number): Promise<number> {
    const server = this.server;
    if (!server || this.stopped) return 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.cseq++;
    const aor = `<sip:${this.init.user}@${this.init.domain}>`;
    const req = this.components.endpoint.createRequest('REGISTER', `sip:${this.init.domain}`, {
      from: aor,
      to: aor,
      callId: this.callId,
      cseq: this.cseq,
      contact: this.init.contact,
      headers: [['Expires', String(expires)]],
    });
    const res = await this.components.endpoint.request(
      req,
      { transport: this.init.transport, address: server.host, port: server.port },
      { credentials: { username: this.init.authUsername, password: this.init.password } },
    );
    const cs = res.tryCSeq();
    if (cs.ok && cs.value.seq > this.cseq) this.cseq = cs.value.seq;
    this.history.push({ server: { ...server }, expires, status: res.status });
    if (res.status >= 200 && res.status < 300 && expires > 0 && !this.stopped) {
      const granted = Number(res.get('expires') ?? expires) || expires;
      this.timer = setTimeout(() => void this.register(expires), Math.max(1000, granted * 900));
      this.timer.unref();
    }
    return res.status;
  }
}
