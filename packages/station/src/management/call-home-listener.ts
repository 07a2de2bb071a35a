import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Counter, Logger, MetricsRegistry } from '@beckon/ops';
import { CloseSessionHandler, type CallHomeSessionHandler } from './call-home-session-handler.js';
import type { CallHomeMatch } from './management-service.js';
import { encodeReply, LineCollector, parseHelloLine, type CallHomeHello } from '@beckon/mgmt';

/** What the listener needs from the management service. */
export interface CallHomeMatcher {
  matchCallHome(hello: CallHomeHello, peer: string): CallHomeMatch;
  sessionEnded(groupId: string, outcome: { ok: boolean; detail?: string }): void;
}

export interface CallHomeListenerComponents {
  log: Logger;
  metrics: MetricsRegistry;
  matcher: CallHomeMatcher;
  sessions?: CallHomeSessionHandler;
}

export interface CallHomeListenerInit {
  /** `management.callHomeListen` (plain TCP). */
  tcp?: { host: string; port: number };
  /** TLS listener (same matching; certificate of the station). */
  tls?: { host: string; port: number; key: string | Buffer; cert: string | Buffer; ca?: string | Buffer };
  /** Time a device has to send its hello, ms (default 5000). */
  helloTimeoutMs?: number;
  /** Most connections waiting for their hello at once (default 1000); more are closed at once. */
  maxPendingHellos?: number;
}

export interface CallHomeAddresses {
  tcp?: { address: string; port: number };
  tls?: { address: string; port: number };
}

/**
 * The call-home listener: devices connect here after a non-empty management-req NOTIFY and send the
 * hello (wire/call-home-hello.ts); a matched connection goes to the session handler, anything else is
 * refused (reply with the status, then close), logged and counted.
 */
export class CallHomeListener {
  private readonly log: Logger;
  private readonly matcher: CallHomeMatcher;
  private readonly sessions: CallHomeSessionHandler;
  private readonly init: CallHomeListenerInit;
  private readonly servers: { kind: 'tcp' | 'tls'; server: Server }[] = [];
  private readonly sockets = new Set<Socket>();
  private pending = 0;
  private readonly results: Counter;

  constructor(components: CallHomeListenerComponents, init: CallHomeListenerInit) {
    this.log = components.log.child({ component: 'station.management.callhome' });
    this.matcher = components.matcher;
    this.sessions = components.sessions ?? new CloseSessionHandler();
    this.init = init;
    this.results = components.metrics.counter('mgmt_callhome_connections', 'Call-home connections', [
      'result',
    ]);
  }

  async start(): Promise<CallHomeAddresses> {
    const out: CallHomeAddresses = {};
    if (this.init.tcp) {
      const s = createServer((sock) => this.onConnection(sock, false));
      out.tcp = await this.listen(s, this.init.tcp.host, this.init.tcp.port);
      this.servers.push({ kind: 'tcp', server: s });
    }
    if (this.init.tls) {
      const t = this.init.tls;
      const s = createTlsServer(
        { key: t.key, cert: t.cert, ...(t.ca ? { ca: t.ca } : {}) },
        (sock: TLSSocket) => this.onConnection(sock, true),
      );
      s.on('tlsClientError', (err) => {
        this.results.child('tls-error').inc();
        this.log.debug({ err }, 'call-home TLS handshake failed');
      });
      out.tls = await this.listen(s, t.host, t.port);
      this.servers.push({ kind: 'tls', server: s });
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all(
      this.servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    this.servers.length = 0;
  }

  private listen(s: Server, host: string, port: number): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        const a = s.address() as AddressInfo;
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  private onConnection(sock: Socket, secure: boolean): void {
    const peer = `${sock.remoteAddress ?? '?'}:${sock.remotePort ?? 0}`;
    if (this.pending >= (this.init.maxPendingHellos ?? 1000)) {
      this.results.child('overload').inc();
      sock.destroy();
      return;
    }
    this.pending++;
    this.sockets.add(sock);
    sock.setNoDelay(true);
    const collector = new LineCollector();
    let waiting = true;
    const finishWait = (): void => {
      if (!waiting) return;
      waiting = false;
      this.pending--;
      clearTimeout(timer);
      sock.off('data', onData);
    };
    const refuse = (status: number, reason: string, result: string): void => {
      finishWait();
      this.results.child(result).inc();
      this.log.info({ peer, status, reason }, 'call-home connection refused');
      sock.end(encodeReply(status, reason));
      setTimeout(() => sock.destroy(), 1000).unref();
    };
    const timer = setTimeout(
      () => refuse(408, 'Hello Timeout', 'hello-timeout'),
      this.init.helloTimeoutMs ?? 5000,
    );
    timer.unref();
    const onData = (chunk: Buffer): void => {
      const r = collector.push(chunk);
      if (r.kind === 'more') return;
      if (r.kind === 'error') return refuse(400, 'Bad Hello', `bad-hello-${r.error}`);
      const hello = parseHelloLine(r.line);
      if (!hello.ok) return refuse(400, 'Bad Hello', `bad-hello-${hello.error}`);
      const m = this.matcher.matchCallHome(hello.value, peer);
      if (!m.ok) return refuse(m.status, m.reason, 'refused');
      finishWait();
      this.results.child('matched').inc();
      sock.write(encodeReply(200, 'OK'));
      this.log.info({ peer, group: m.session.groupId, device: m.session.device }, 'call-home session open');
      void this.run(sock, { ...m.session, socket: sock, initialData: r.rest, secure, peer });
    };
    sock.on('data', onData);
    sock.on('error', (err) => this.log.debug({ err, peer }, 'call-home socket error'));
    sock.on('close', () => {
      finishWait();
      this.sockets.delete(sock);
    });
  }

  private async run(sock: Socket, session: Parameters<CallHomeSessionHandler['handle']>[0]): Promise<void> {
    let outcome: { ok: boolean; detail?: string };
    try {
      outcome = await this.sessions.handle(session);
    } catch (err) {
      this.log.error({ err, group: session.groupId }, 'call-home session handler failed');
      outcome = { ok: false, detail: 'session handler failed' };
    }
    this.matcher.sessionEnded(session.groupId, outcome);
    if (!sock.destroyed) sock.end();
  }
}
