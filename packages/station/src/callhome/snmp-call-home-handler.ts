import type { Counter, Logger, MetricsRegistry } from '@beckon/ops';
import {
  CommandGenerator,
  StreamTransport,
  TransportSecurityModel,
  discoverContextEngineId,
  secureStreamTransport,
  sshClientOnSocket,
  tlsClientOnSocket,
  type SnmpTransport,
  type V3Target,
} from '@beckon/snmp';
import type {
  CallHomeSession,
  CallHomeSessionHandler,
  SessionOutcome,
} from '../management/call-home-session-handler.js';
import type { AuditEntry } from '../management/management-store.js';
import type { DeviceTrustLookup } from './device-trust-store.js';
import { SnmpSessionClient } from './snmp-session-client.js';

/** What the station wants done in a session (the task service implements it). */
export interface CallHomeWork {
  /** Runs the work of the session's management requests over `client`. */
  run(ctx: CallHomeWorkContext): Promise<SessionOutcome>;
  /** The session never became usable (refused device, failed handshake): its work fails with `fault`. */
  failed(session: CallHomeSession, fault: string): void;
}

export interface CallHomeWorkContext {
  readonly session: CallHomeSession;
  readonly client: SnmpSessionClient;
  /** How the device proved who it is (`tls:04:…`, `ssh:SHA256:…`, `none` for snmp-tcp). */
  readonly authenticatedAs: string;
}

export interface SnmpCallHomeComponents {
  log: Logger;
  metrics: MetricsRegistry;
  trust: DeviceTrustLookup;
  work: CallHomeWork;
  /** Audit log (the management store's audit_log): refused sessions are recorded there. */
  audit?: { appendAudit(entry: AuditEntry): Promise<void> };
}

export interface SnmpCallHomeInit {
  /** snmp-tls: the station's certificate (TLS client role), trust anchors, and the tmSecurityName it uses. */
  tls?: {
    cert: string | Buffer;
    key: string | Buffer;
    ca?: string | Buffer | (string | Buffer)[];
    securityName: string;
    /** Test-only TLS 1.0 profile (Net-SNMP 5.9.3). */
    legacyTls?: boolean;
  };
  /** snmp-ssh: the station's SSH user (client role) and its key. */
  ssh?: { username: string; privateKey: string | Buffer; passphrase?: string };
  /**
   * snmp-tcp (RFC 3430, SNMPv2c over the call-home TCP connection): labs only, off by default. The device
   * is not authenticated beyond the hello's request identity.
   */
  tcp?: { enabled: boolean; community: string };
  /** The station's snmpEngineID (TSM). */
  engineId?: Buffer;
  /** Handshake plus authentication deadline, ms (default 10000). */
  handshakeTimeoutMs?: number;
  /** Per SNMP request, ms (default 5000); retries (default 1; 0 over streams is usual). */
  requestTimeoutMs?: number;
  retries?: number;
}

const DEFAULT_ENGINE_ID = Buffer.from('80001f88046265636b6f6e2d73746174696f6e', 'hex');

/**
 * SNMP over the call-home connection, station side (issue 6). The device opened the TCP connection and
 * sent the hello; from here the roles of RFC 8071 §3.1 apply, with SNMP in place of NETCONF:
 *
 * - `snmp-tls`: the station is the TLS client and the command generator (RFC 6353 TLSTM with the
 *   TSM, RFC 5591). The device's certificate must carry the fingerprint configured for the device the
 *   management request names ("snmpTlstmAddrServerFingerprint"); anything else is refused.
 * - `snmp-ssh`: the station is the SSH client (RFC 5592 `snmp` subsystem); the device is the SSH server
 *   and proves itself with its host key, which must be the one configured for that device.
 * - `snmp-tcp`: RFC 3430 plain SNMPv2c on the same connection, for labs; a warning is logged at start.
 *
 * The device is identified by its credential, never by its address: the address seen is the NAT's.
 */
export class SnmpCallHomeHandler implements CallHomeSessionHandler {
  private readonly log: Logger;
  private readonly c: SnmpCallHomeComponents;
  private readonly init: SnmpCallHomeInit;
  private readonly tsm: TransportSecurityModel;
  private readonly outcomes: Counter;

  constructor(components: SnmpCallHomeComponents, init: SnmpCallHomeInit) {
    this.c = components;
    this.init = init;
    this.log = components.log.child({ component: 'station.callhome.snmp' });
    this.tsm = new TransportSecurityModel({
      engineId: init.engineId ?? DEFAULT_ENGINE_ID,
      metrics: components.metrics,
      instance: 'callhome',
      log: components.log,
    });
    this.outcomes = components.metrics.counter(
      'callhome_snmp_sessions',
      'Call-home SNMP sessions by protocol and outcome',
      ['protocol', 'result'],
    );
    if (init.tcp?.enabled)
      this.log.warn('snmp-tcp call-home is ON: SNMPv2c in clear text, device not authenticated (labs only)');
  }

  /** Protocol tokens this handler serves with its configuration. */
  protocols(): string[] {
    const out: string[] = [];
    if (this.init.tls) out.push('snmp-tls');
    if (this.init.ssh) out.push('snmp-ssh');
    if (this.init.tcp?.enabled) out.push('snmp-tcp');
    return out;
  }

  handle(session: CallHomeSession): Promise<SessionOutcome> {
    // Bytes after the hello belong to the protocol: put them back, paused, so that nothing reads them
    // before the TLS / SSH layer owns the socket (a flowing socket would drop them).
    if (session.initialData.length > 0) {
      session.socket.pause();
      session.socket.unshift(session.initialData);
    }
    switch (session.protocol) {
      case 'snmp-tls':
        return this.tls(session);
      case 'snmp-ssh':
        return this.ssh(session);
      case 'snmp-tcp':
        return this.tcp(session);
      default:
        return Promise.resolve(this.refuse(session, 'unsupported-protocol', `protocol ${session.protocol}`));
    }
  }

  private refuse(session: CallHomeSession, result: string, detail: string): SessionOutcome {
    this.outcomes.child(session.protocol, result).inc();
    this.log.warn(
      { device: session.device, peer: session.peer, group: session.groupId, result, detail },
      'call-home session refused',
    );
    session.socket.destroy();
    this.c.audit
      ?.appendAudit({
        at: Date.now(),
        actor: session.device,
        subject: `call-home:${session.peer}`,
        action: `session-refused`,
        detail: { protocol: session.protocol, result, detail, group: session.groupId },
      })
      .catch(() => undefined);
    this.c.work.failed(session, `${result}: ${detail}`);
    return { ok: false, detail: `${result}: ${detail}` };
  }

  private async tls(session: CallHomeSession): Promise<SessionOutcome> {
    const cfg = this.init.tls;
    if (!cfg) return this.refuse(session, 'disabled', 'snmp-tls not configured');
    const trust = this.c.trust.trustOf(session.device);
    const pinned = trust?.tlsFingerprints ?? [];
    if (pinned.length === 0)
      return this.refuse(session, 'unknown-device', `no TLS fingerprint for ${session.device}`);
    // RFC 6353 (paraphrased): the client authenticates the server's certificate, by the configured
    // snmpTlstmAddrServerFingerprint or by path validation and identity. Here: the fingerprint pinned
    // for the device the management request names; the source address plays no part.
    const r = await tlsClientOnSocket(session.socket, {
      cert: cfg.cert,
      key: cfg.key,
      ...(cfg.ca !== undefined ? { ca: cfg.ca } : {}),
      securityName: cfg.securityName,
      serverFingerprint: pinned[0] as string,
      ...(cfg.legacyTls ? { legacyTls: true } : {}),
      handshakeTimeoutMs: this.init.handshakeTimeoutMs ?? 10_000,
      log: this.log,
    });
    if (!r.ok) {
      // a device may hold one of several pinned certificates (rollover): retry is not possible on the
      // same connection, so only the first is pinned by tlsClientOnSocket and the rest checked here
      if (r.error.kind === 'serverFingerprintMismatch' && pinned.includes(r.error.fingerprint))
        return this.refuse(session, 'handshake', 'certificate rollover not supported on one connection');
      const result = r.error.kind === 'serverFingerprintMismatch' ? 'unauthenticated' : 'handshake';
      return this.refuse(session, result, JSON.stringify(r.error));
    }
    const s = r.value;
    const transport = secureStreamTransport(s.socket, s.tmState, this.tsm);
    const fp = pinned[0] as string;
    return this.runV3(session, transport, s.tmState.tmSecurityName, `tls:${fp}`, () => s.socket.end());
  }

  private async ssh(session: CallHomeSession): Promise<SessionOutcome> {
    const cfg = this.init.ssh;
    if (!cfg) return this.refuse(session, 'disabled', 'snmp-ssh not configured');
    const trust = this.c.trust.trustOf(session.device);
    const keys = trust?.sshHostKeys ?? [];
    if (keys.length === 0)
      return this.refuse(session, 'unknown-device', `no SSH host key for ${session.device}`);
    let seen = '';
    const pending = sshClientOnSocket(session.socket, {
      username: cfg.username,
      privateKey: cfg.privateKey,
      ...(cfg.passphrase !== undefined ? { passphrase: cfg.passphrase } : {}),
      hostVerifier: (_blob, fp) => {
        seen = fp;
        return keys.includes(fp);
      },
      readyTimeoutMs: this.init.handshakeTimeoutMs ?? 10_000,
      log: this.log,
    });
    // ssh2 reads with 'data' events: a socket paused in handle() flows again now that it listens
    session.socket.resume();
    const r = await pending;
    if (!r.ok) {
      const result = r.error.kind === 'hostKeyRejected' ? 'unauthenticated' : 'handshake';
      return this.refuse(session, result, `${JSON.stringify(r.error)} ${seen}`.trim());
    }
    const s = r.value;
    const transport = secureStreamTransport(s.channel, s.tmState, this.tsm);
    return this.runV3(session, transport, s.tmState.tmSecurityName, `ssh:${s.hostKeyFingerprint}`, () =>
      s.close(),
    );
  }

  private async tcp(session: CallHomeSession): Promise<SessionOutcome> {
    const cfg = this.init.tcp;
    if (!cfg?.enabled) return this.refuse(session, 'disabled', 'snmp-tcp is off');
    const transport = new StreamTransport(session.socket, {
      peer: { address: session.peer, port: 0 },
    });
    session.socket.resume();
    const gen = this.generator(transport);
    const client = new SnmpSessionClient(
      gen,
      { address: session.peer, port: 0, version: 'v2c', community: cfg.community },
      'snmp-tcp',
    );
    return this.work(session, client, gen, 'none', () => session.socket.end());
  }

  private generator(transport: SnmpTransport): CommandGenerator {
    return new CommandGenerator({
      transport,
      log: this.log,
      timeoutMs: this.init.requestTimeoutMs ?? 5000,
      retries: this.init.retries ?? 0,
    });
  }

  private async runV3(
    session: CallHomeSession,
    transport: SnmpTransport,
    securityName: string,
    authenticatedAs: string,
    close: () => void,
  ): Promise<SessionOutcome> {
    const gen = this.generator(transport);
    const base: V3Target = {
      address: session.peer,
      port: 0,
      version: 'v3',
      securityModel: this.tsm,
      securityName,
      securityLevel: 'authPriv',
    };
    // RFC 5343 §3.2: learn the device's snmpEngineID to use as contextEngineID.
    const d = await discoverContextEngineId(gen, base);
    if (!d.ok) {
      gen.dispose();
      close();
      return this.refuse(session, 'discovery', JSON.stringify(d.error));
    }
    const client = new SnmpSessionClient(gen, d.value.target, session.protocol, d.value.engineId);
    return this.work(session, client, gen, authenticatedAs, close);
  }

  private async work(
    session: CallHomeSession,
    client: SnmpSessionClient,
    gen: CommandGenerator,
    authenticatedAs: string,
    close: () => void,
  ): Promise<SessionOutcome> {
    this.log.info(
      { device: session.device, group: session.groupId, protocol: session.protocol, authenticatedAs },
      'call-home SNMP session up',
    );
    let outcome: SessionOutcome;
    try {
      outcome = await this.c.work.run({ session, client, authenticatedAs });
    } catch (err) {
      this.log.error({ err, group: session.groupId }, 'call-home work failed');
      outcome = { ok: false, detail: 'work failed' };
    } finally {
      gen.dispose();
      close();
    }
    this.outcomes.child(session.protocol, outcome.ok ? 'ok' : 'work-failed').inc();
    return outcome;
  }
}
