import type { Counter, Logger, MetricsRegistry } from '@beckon/ops';
import {
  CertToTsnTable,
  StreamTransport,
  attachSecureSession,
  sshServerOnSocket,
  tlsServerOnSocket,
  type SshAuthRequest,
} from '@beckon/snmp';
import type { DeviceSession, DeviceSessionHandler } from '../device-session-handler.js';
import type { DeviceSnmpAgent } from './device-snmp-agent.js';

export interface DeviceSnmpSessionInit {
  /**
   * snmp-tls: the device is the TLS server with its own certificate; the station's certificate must
   * match one of `stationFingerprints` (snmpTlstmCertToTSNTable rows, mapType specified).
   */
  tls?: {
    cert: string | Buffer;
    key: string | Buffer;
    ca?: string | Buffer | (string | Buffer)[];
    stations: readonly { fingerprint: string | Buffer; securityName: string }[];
    /** Test-only TLS 1.0 profile (Net-SNMP 5.9.3). */
    legacyTls?: boolean;
  };
  /**
   * snmp-ssh: the device is the SSH server with its host key; the station logs in by public key
   * (authorised user name + key fingerprint `SHA256:...`).
   */
  ssh?: {
    hostKeys: (string | Buffer)[];
    stations: readonly { username: string; keyFingerprint: string }[];
  };
  /** snmp-tcp (RFC 3430, labs only; needs the agent's community). */
  tcp?: { enabled: boolean };
  /** Handshake and authentication deadline, ms (default 10000). */
  handshakeTimeoutMs?: number;
  /** A session is closed after this long even if the station keeps it open, ms (default 300000). */
  maxSessionMs?: number;
}

/**
 * The device side of an SNMP call-home session (issue 6). After the hello, the device — which opened the
 * TCP connection — starts the server side of the secure transport on it (RFC 8071 §3.1 roles): TLS
 * server (RFC 6353) or SSH server with the `snmp` subsystem (RFC 5592), and serves its agent over the
 * session with the Transport Security Model. The agent has no listening socket: this is the only way in.
 */
export class DeviceSnmpSessionHandler implements DeviceSessionHandler {
  private readonly log: Logger;
  private readonly table = new CertToTsnTable();
  private readonly outcomes: Counter;

  constructor(
    private readonly components: { log: Logger; metrics: MetricsRegistry; agent: DeviceSnmpAgent },
    private readonly init: DeviceSnmpSessionInit,
  ) {
    this.log = components.log.child({ component: 'device.snmp.session' });
    let id = 1;
    for (const s of init.tls?.stations ?? []) {
      const e = this.table.set({
        id: id++,
        fingerprint: s.fingerprint,
        mapType: 'specified',
        data: s.securityName,
      });
      if (e) throw new Error(`DeviceSnmpSessionHandler: station fingerprint: ${e}`);
    }
    this.outcomes = components.metrics.counter('device_snmp_sessions', 'Call-home SNMP sessions (device)', [
      'protocol',
      'result',
    ]);
    if (init.tcp?.enabled) this.log.warn('snmp-tcp call-home is ON: SNMPv2c in clear text (labs only)');
  }

  handle(session: DeviceSession): Promise<void> {
    // Bytes after the station's 200 reply (e.g. its TLS ClientHello) belong to the protocol.
    // Put them back paused: a flowing socket would drop them before TLS / SSH owns it.
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
        return this.refuse(session, 'unsupported-protocol');
    }
  }

  private refuse(session: DeviceSession, result: string, detail?: unknown): Promise<void> {
    this.outcomes.child(session.protocol, result).inc();
    this.log.warn({ protocol: session.protocol, result, detail }, 'call-home session refused');
    session.socket.destroy();
    return Promise.resolve();
  }

  /** Resolves when `socket` closes (or the session limit ends it). */
  private untilClosed(session: DeviceSession, close: () => void): Promise<void> {
    return new Promise((resolve) => {
      if (session.socket.destroyed) return resolve();
      const t = setTimeout(close, this.init.maxSessionMs ?? 300_000);
      t.unref();
      session.socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private async tls(session: DeviceSession): Promise<void> {
    const cfg = this.init.tls;
    if (!cfg) return this.refuse(session, 'disabled');
    const r = await tlsServerOnSocket(session.socket, {
      cert: cfg.cert,
      key: cfg.key,
      ...(cfg.ca !== undefined ? { ca: cfg.ca } : {}),
      certToTsn: this.table,
      ...(cfg.legacyTls ? { legacyTls: true } : {}),
      handshakeTimeoutMs: this.init.handshakeTimeoutMs ?? 10_000,
      log: this.log,
    });
    if (!r.ok) return this.refuse(session, 'unauthenticated', r.error);
    const { agent, tsm } = this.components.agent;
    attachSecureSession(agent, tsm, r.value.socket, r.value.tmState);
    this.outcomes.child('snmp-tls', 'ok').inc();
    await this.untilClosed(session, () => r.value.socket.destroy());
  }

  private async ssh(session: DeviceSession): Promise<void> {
    const cfg = this.init.ssh;
    if (!cfg) return this.refuse(session, 'disabled');
    const stations = cfg.stations;
    const s = sshServerOnSocket(session.socket, {
      hostKeys: cfg.hostKeys,
      // RFC 5592 §5.1 / RFC 4252: only the station's user with its key; no passwords over call-home
      authenticate: (req: SshAuthRequest) =>
        req.method === 'publickey' &&
        stations.some((st) => st.username === req.username && st.keyFingerprint === req.fingerprint),
      authTimeoutMs: this.init.handshakeTimeoutMs ?? 10_000,
      log: this.log,
    });
    // ssh2 reads with 'data' events: flow again now that it listens
    session.socket.resume();
    const { agent, tsm } = this.components.agent;
    s.onSnmpChannel((ch) => attachSecureSession(agent, tsm, ch.stream, ch.tmState));
    const t = setTimeout(() => s.close(), this.init.maxSessionMs ?? 300_000);
    t.unref();
    const closed = await s.closed;
    clearTimeout(t);
    if (!closed.authenticated) return this.refuse(session, 'unauthenticated', closed.reason);
    this.outcomes.child('snmp-ssh', 'ok').inc();
  }

  private async tcp(session: DeviceSession): Promise<void> {
    if (!this.init.tcp?.enabled) return this.refuse(session, 'disabled');
    const t = new StreamTransport(session.socket);
    session.socket.resume();
    const detach = this.components.agent.agent.attach(t);
    this.outcomes.child('snmp-tcp', 'ok').inc();
    await this.untilClosed(session, () => session.socket.destroy());
    detach();
  }
}
