import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger, MetricsRegistry, MetricSample } from '@beckon/ops';
import type { ConnKind, ConnectionFlow, ConnectionHost } from './connection-flow.js';
import { openOutbound } from './outbound-connect.js';
import { StreamFlow } from './stream-flow.js';
import { WsFlow } from './ws-flow.js';
import { acceptWsUpgrade } from './ws-upgrade.js';
import { TransportMetrics } from './transport-metrics.js';
import { UdpListener } from './udp-listener.js';
import type { UdpBatchIo } from './udp-batch-io.js';
import type {
  Flow,
  FlowCloseReason,
  ListenerInfo,
  ListenerSpec,
  SendResult,
  SendTarget,
  StartResult,
  TransportInit,
  TransportUser,
} from './transport-types.js';

export interface TransportComponents {
  log: Logger;
  metrics: MetricsRegistry;
  /**
   * Batched UDP system calls (the `@beckon/udp-mmsg` helper), used by the IPv4 UDP listeners when given;
   * Node's dgram socket alone otherwise.
   */
  udpBatchIo?: UdpBatchIo;
}

export enum TransportLayerState {
  Idle = 'idle',
  Starting = 'starting',
  Running = 'running',
  Stopping = 'stopping',
  Stopped = 'stopped',
}

interface StreamListener {
  spec: ListenerSpec;
  transport: ConnKind;
  server: net.Server;
  info?: ListenerInfo;
}

const DEFAULTS = {
  maxMessageSize: 65535,
  maxConnections: 10_000,
  maxConnectionsPerSource: 100,
  idleTimeoutMs: 600_000,
  connectTimeoutMs: 5_000,
  recvBufferSize: 4 * 1024 * 1024,
  sendBufferSize: 1024 * 1024,
  maxUdpFlows: 65_536,
  coalesceUdpSends: true,
  maxQueuedBytes: 4 * 1024 * 1024,
};

const CONN_KINDS: readonly ConnKind[] = ['tcp', 'tls', 'ws', 'wss'];

/**
 * The SIP transport layer (RFC 3261 §18): listeners for UDP, TCP and TLS over IPv4 and IPv6, a flow
 * table, connection reuse, stream framing, CRLF keep-alives, connection limits and idle reaping.
 *
 * Bytes in, bytes out: messages are delivered to the {@link TransportUser} set with `setUser`.
 */
export class TransportLayer implements ConnectionHost {
  user: TransportUser | undefined;
  state = TransportLayerState.Idle;
  private readonly log: Logger;
  private readonly metrics: TransportMetrics;
  private readonly cfg: typeof DEFAULTS & { reapIntervalMs: number };
  private readonly udp: UdpListener[] = [];
  private readonly streams: StreamListener[] = [];
  private readonly connections = new Map<string, ConnectionFlow>();
  private readonly byRemote = new Map<string, ConnectionFlow>();
  private readonly connecting = new Map<string, Promise<ConnectionFlow | undefined>>();
  private readonly perSource = new Map<string, number>();
  /** Outgoing connections being established. */
  private readonly pendingSockets = new Set<net.Socket>();
  /** Accepted TLS connections still in the handshake, by `address|port` of the remote end. */
  private readonly handshaking = new Map<string, net.Socket>();
  private nextFlowNumber = 1;
  private reapTimer: NodeJS.Timeout | undefined;
  private readonly lastWarn = new Map<string, { at: number; suppressed: number }>();
  private readonly udpBatchIo: UdpBatchIo | undefined;

  constructor(
    components: TransportComponents,
    private readonly init: TransportInit,
  ) {
    this.log = components.log.child({ component: 'sip.transport' });
    this.udpBatchIo = components.udpBatchIo;
    this.metrics = new TransportMetrics(components.metrics);
    const idle = init.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs;
    this.cfg = {
      maxMessageSize: init.maxMessageSize ?? DEFAULTS.maxMessageSize,
      maxConnections: init.maxConnections ?? DEFAULTS.maxConnections,
      maxConnectionsPerSource: init.maxConnectionsPerSource ?? DEFAULTS.maxConnectionsPerSource,
      idleTimeoutMs: idle,
      connectTimeoutMs: init.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      recvBufferSize: init.recvBufferSize ?? DEFAULTS.recvBufferSize,
      sendBufferSize: init.sendBufferSize ?? DEFAULTS.sendBufferSize,
      maxUdpFlows: init.maxUdpFlows ?? DEFAULTS.maxUdpFlows,
      coalesceUdpSends: init.coalesceUdpSends ?? DEFAULTS.coalesceUdpSends,
      maxQueuedBytes: init.maxQueuedBytes ?? DEFAULTS.maxQueuedBytes,
      reapIntervalMs:
        init.reapIntervalMs ?? Math.min(30_000, Math.max(250, Math.floor((idle || 60_000) / 4))),
    };
    components.metrics.gauge(
      'sip_transport_connections',
      'Open SIP connections (TCP, TLS, WS)',
      () => this.connectionSamples(),
      ['transport'],
    );
    components.metrics.gauge(
      'sip_transport_udp_batched_listeners',
      'UDP listeners that read and write in batches (recvmmsg/sendmmsg) rather than through Node dgram',
      () => this.udp.filter((u) => !u.closed && u.batched).length,
    );
  }

  /** Registers the layer above (transaction layer / UA core). */
  setUser(user: TransportUser | undefined): void {
    this.user = user;
  }

  async start(): Promise<StartResult> {
    if (this.state !== TransportLayerState.Idle) return { ok: false, error: `state ${this.state}` };
    this.state = TransportLayerState.Starting;
    for (const spec of this.init.listeners) {
      const r = await this.openListener(spec);
      if (!r.ok) {
        this.log.error(
          { transport: spec.transport, host: spec.host, port: spec.port, error: r.error },
          'listener failed',
        );
        await this.stop();
        return { ok: false, error: r.error, spec };
      }
      this.log.info(
        { transport: r.info.transport, address: r.info.address, port: r.info.port },
        'listener bound',
      );
    }
    this.reapTimer = setInterval(() => this.reapIdle(), this.cfg.reapIntervalMs);
    this.reapTimer.unref();
    this.state = TransportLayerState.Running;
    return { ok: true, listeners: this.listeners() };
  }

  listeners(): ListenerInfo[] {
    const out: ListenerInfo[] = [];
    for (const u of this.udp) {
      if (!u.closed) out.push({ transport: 'udp', ...u.localAddress, family: u.family });
    }
    for (const s of this.streams) if (s.info) out.push(s.info);
    return out;
  }

  /** A flow by id: open connections, or UDP flows still in the cache. */
  getFlow(id: string): Flow | undefined {
    const c = this.connections.get(id);
    if (c) return c;
    if (id.startsWith('udp:')) {
      for (const u of this.udp) {
        const f = u.getFlow(id);
        if (f) return f;
      }
    }
    return undefined;
  }

  /** Open connection-oriented flows. */
  connectionFlows(): Flow[] {
    return [...this.connections.values()];
  }

  /**
   * Sends bytes over a flow, or to a destination: UDP from a listener of the right address family,
   * TCP/TLS over an open connection to that address and port, else over a new connection.
   * Never throws. Hot paths that already hold a flow may call `flow.send()` directly (synchronous).
   */
  async send(target: SendTarget | Flow, data: Buffer): Promise<SendResult> {
    if (isFlow(target)) return target.send(data);
    if (this.state !== TransportLayerState.Running) return { ok: false, error: 'stopped' };
    if (data.length > this.cfg.maxMessageSize) {
      this.metrics.for(target.transport).error('too-large');
      return { ok: false, error: 'too-large' };
    }
    switch (target.transport) {
      case 'udp': {
        const l =
          target.local === undefined
            ? this.udpListenerFor(target.address)
            : this.udpListenerAt(target.local.address, target.local.port);
        if (!l) return { ok: false, error: 'no-listener' };
        return l.flowFor(target.address, target.port).send(data);
      }
      case 'tcp':
      case 'tls':
      case 'ws':
      case 'wss': {
        const flow = await this.connectionTo(target.transport, target.address, target.port);
        if (!flow) return { ok: false, error: 'connect-failed' };
        return flow.send(data);
      }
      default:
        return { ok: false, error: 'unsupported-transport' };
    }
  }

  /**
   * An open connection to the destination, reused if one exists (RFC 3261 §18.1.1 / RFC 5626 §5), else a
   * new outgoing one; undefined when it cannot be established.
   */
  async connectionTo(
    transport: ConnKind,
    address: string,
    port: number,
  ): Promise<ConnectionFlow | undefined> {
    const key = `${transport}|${address}|${port}`;
    const open = this.byRemote.get(key);
    if (open && !open.closed) return open;
    const pending = this.connecting.get(key);
    if (pending) return pending;
    const p = this.connect(transport, address, port, key);
    this.connecting.set(key, p);
    try {
      return await p;
    } finally {
      this.connecting.delete(key);
    }
  }

  async stop(): Promise<void> {
    if (this.state === TransportLayerState.Stopped || this.state === TransportLayerState.Stopping) return;
    this.state = TransportLayerState.Stopping;
    if (this.reapTimer) clearInterval(this.reapTimer);
    this.reapTimer = undefined;
    for (const s of this.pendingSockets) s.destroy();
    this.pendingSockets.clear();
    for (const s of [...this.handshaking.values()]) s.destroy();
    this.handshaking.clear();
    for (const c of [...this.connections.values()]) c.closeWith('stopped');
    const closing: Promise<void>[] = [];
    for (const u of this.udp) {
      const info = u.localAddress;
      closing.push(u.close().then(() => this.log.info({ transport: 'udp', ...info }, 'listener closed')));
    }
    for (const s of this.streams) {
      if (s.server instanceof http.Server) s.server.closeAllConnections();
      closing.push(
        new Promise<void>((resolve) => s.server.close(() => resolve())).then(() => {
          const info = s.info;
          s.info = undefined;
          if (info)
            this.log.info(
              { transport: s.transport, address: info.address, port: info.port },
              'listener closed',
            );
        }),
      );
    }
    await Promise.all(closing);
    this.lastWarn.clear();
    this.state = TransportLayerState.Stopped;
  }

  // ConnectionHost
  onConnectionClosed(flow: ConnectionFlow, reason: FlowCloseReason): void {
    this.connections.delete(flow.id);
    if (this.byRemote.get(flow.remoteKey) === flow) this.byRemote.delete(flow.remoteKey);
    if (flow.requestedKey !== undefined && this.byRemote.get(flow.requestedKey) === flow) {
      this.byRemote.delete(flow.requestedKey);
    }
    if (flow.inbound) this.releaseSource(flow.remote.address);
    this.log.debug({ flow: flow.id, remote: flow.remote, reason }, 'connection closed');
    this.user?.onFlowClosed?.(flow, reason);
  }

  /** The open UDP listener bound to `address:port` (or to the wildcard address of that family and port). */
  udpListenerAt(address: string, port: number): UdpListener | undefined {
    const bare = address.startsWith('[') ? address.slice(1, -1) : address;
    const v6 = net.isIPv6(bare);
    let wildcard: UdpListener | undefined;
    for (const u of this.udp) {
      if (u.closed || u.localAddress.port !== port || (u.family === 'IPv6') !== v6) continue;
      if (u.localAddress.address === bare) return u;
      if (u.localAddress.address === '0.0.0.0' || u.localAddress.address === '::') wildcard ??= u;
    }
    return wildcard;
  }

  private udpListenerFor(address: string): UdpListener | undefined {
    const family = net.isIPv6(address) ? 'IPv6' : 'IPv4';
    for (const u of this.udp) if (!u.closed && u.family === family) return u;
    return undefined;
  }

  private async openListener(
    spec: ListenerSpec,
  ): Promise<{ ok: true; info: ListenerInfo } | { ok: false; error: string }> {
    switch (spec.transport) {
      case 'udp': {
        const l = new UdpListener(
          {
            host: spec.host,
            port: spec.port,
            maxMessageSize: this.cfg.maxMessageSize,
            maxFlows: this.cfg.maxUdpFlows,
            recvBufferSize: this.cfg.recvBufferSize,
            sendBufferSize: this.cfg.sendBufferSize,
            coalesceSends: this.cfg.coalesceUdpSends,
          },
          this,
          this.metrics.for('udp'),
          this.log,
          this.udpBatchIo,
        );
        const r = await l.bind();
        if (r.ok) this.udp.push(l);
        return r;
      }
      case 'tcp':
      case 'tls':
      case 'ws':
      case 'wss':
        return this.openStreamListener(spec, spec.transport);
      default:
        return { ok: false, error: `transport ${spec.transport} not supported` };
    }
  }

  private openStreamListener(
    spec: ListenerSpec,
    transport: ConnKind,
  ): Promise<{ ok: true; info: ListenerInfo } | { ok: false; error: string }> {
    let server: net.Server;
    if (transport === 'ws' || transport === 'wss') {
      if (transport === 'wss' && !spec.tls) {
        return Promise.resolve({ ok: false, error: 'wss listener without key/cert' });
      }
      server = this.makeWsServer(spec, transport);
    } else if (transport === 'tls') {
      if (!spec.tls) return Promise.resolve({ ok: false, error: 'tls listener without key/cert' });
      server = tls.createServer({
        key: spec.tls.key,
        cert: spec.tls.cert,
        ca: spec.tls.ca,
        requestCert: spec.tls.requestCert ?? false,
        rejectUnauthorized: spec.tls.requestCert ?? false,
        handshakeTimeout: this.cfg.connectTimeoutMs,
      });
      server.on('connection', (s: net.Socket) => this.admitInbound(s, 'tls'));
      server.on('secureConnection', (s: tls.TLSSocket) => {
        // The source was counted when the TCP connection was accepted; the flow now holds that count.
        this.handshaking.delete(`${s.remoteAddress}|${s.remotePort}`);
        this.adoptInbound(s, 'tls');
      });
      server.on('tlsClientError', (err: Error) => {
        this.metrics.for('tls').error('tls-handshake');
        this.warnRateLimited('tls-handshake', { err: err.message }, 'tls handshake failed');
      });
    } else {
      server = net.createServer((s) => {
        if (this.admitInbound(s, 'tcp')) this.adoptInbound(s, 'tcp');
      });
    }
    server.maxConnections = this.cfg.maxConnections + 1;
    const entry: StreamListener = { spec, transport, server };
    this.streams.push(entry);
    return new Promise((resolve) => {
      const onError = (err: Error): void => resolve({ ok: false, error: err.message });
      server.once('error', onError);
      server.listen(
        { host: spec.host, port: spec.port, ipv6Only: spec.host.includes(':'), exclusive: true },
        () => {
          server.off('error', onError);
          server.on('error', (err) => this.log.warn({ err, transport }, 'listener error'));
          const a = server.address() as net.AddressInfo;
          entry.info = {
            transport,
            address: a.address,
            port: a.port,
            family: a.family === 'IPv6' ? 'IPv6' : 'IPv4',
          };
          resolve({ ok: true, info: entry.info });
        },
      );
    });
  }

  /** An HTTP(S) server that only accepts WebSocket upgrades for SIP (RFC 7118). */
  private makeWsServer(spec: ListenerSpec, transport: 'ws' | 'wss'): net.Server {
    const server =
      transport === 'wss' && spec.tls
        ? https.createServer({
            key: spec.tls.key,
            cert: spec.tls.cert,
            ca: spec.tls.ca,
            requestCert: spec.tls.requestCert ?? false,
            rejectUnauthorized: spec.tls.requestCert ?? false,
            handshakeTimeout: this.cfg.connectTimeoutMs,
          })
        : http.createServer();
    server.headersTimeout = this.cfg.connectTimeoutMs;
    server.requestTimeout = this.cfg.connectTimeoutMs;
    server.on('connection', (s: net.Socket) => this.admitInbound(s, transport));
    server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(426, { Upgrade: 'websocket', Connection: 'close', 'Content-Length': '0' });
      res.end();
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const r = acceptWsUpgrade(req, socket);
      if (!r.ok) {
        this.metrics.for(transport).error('ws-handshake');
        this.warnRateLimited(
          'ws-handshake',
          { error: r.error, remote: socket.remoteAddress },
          'websocket upgrade refused',
        );
        return;
      }
      // The source was counted when the TCP connection was accepted; the flow now holds that count.
      this.handshaking.delete(`${socket.remoteAddress}|${socket.remotePort}`);
      this.adoptInbound(socket, transport, head);
    });
    return server;
  }

  /** Connection limits, checked when the TCP connection is accepted (before any TLS handshake). */
  private admitInbound(s: net.Socket, transport: ConnKind): boolean {
    const counters = this.metrics.for(transport);
    const src = s.remoteAddress ?? '';
    if (this.state !== TransportLayerState.Running) {
      s.destroy();
      return false;
    }
    if (this.liveCount() >= this.cfg.maxConnections) {
      counters.error('conn-limit');
      this.warnRateLimited(
        'conn-limit',
        { remote: src, limit: this.cfg.maxConnections },
        'connection limit reached, refusing',
      );
      s.destroy();
      return false;
    }
    if ((this.perSource.get(src) ?? 0) >= this.cfg.maxConnectionsPerSource) {
      counters.error('conn-limit-per-source');
      this.warnRateLimited(
        'conn-limit-per-source',
        { remote: src, limit: this.cfg.maxConnectionsPerSource },
        'per-source connection limit reached, refusing',
      );
      s.destroy();
      return false;
    }
    this.perSource.set(src, (this.perSource.get(src) ?? 0) + 1);
    if (transport !== 'tcp') {
      // Until the TLS handshake / WebSocket upgrade completes.
      const key = `${src}|${s.remotePort}`;
      this.handshaking.set(key, s);
      s.once('close', () => {
        if (this.handshaking.get(key) === s) {
          this.handshaking.delete(key);
          this.releaseSource(src);
        }
      });
    }
    return true;
  }

  private liveCount(): number {
    return this.connections.size + this.pendingSockets.size + this.handshaking.size;
  }

  private releaseSource(src: string): void {
    const n = (this.perSource.get(src) ?? 1) - 1;
    if (n <= 0) this.perSource.delete(src);
    else this.perSource.set(src, n);
  }

  private adoptInbound(s: net.Socket, transport: ConnKind, head?: Buffer): void {
    if (this.state !== TransportLayerState.Running) {
      s.destroy();
      return;
    }
    const flow = this.makeFlow(s, transport, true, head);
    this.log.debug({ flow: flow.id, remote: flow.remote, transport }, 'connection opened');
  }

  private makeFlow(s: net.Socket, transport: ConnKind, inbound: boolean, head?: Buffer): ConnectionFlow {
    const common = {
      id: `${transport}#${this.nextFlowNumber++}`,
      inbound,
      maxMessageSize: this.cfg.maxMessageSize,
      maxQueuedBytes: this.cfg.maxQueuedBytes,
      idleTimeoutMs: this.cfg.idleTimeoutMs,
    };
    const counters = this.metrics.for(transport);
    const flow: ConnectionFlow =
      transport === 'ws' || transport === 'wss'
        ? new WsFlow(
            s,
            { ...common, transport, role: inbound ? 'server' : 'client' },
            this,
            counters,
            this.log,
            head,
          )
        : new StreamFlow(s, { ...common, transport }, this, counters, this.log);
    this.connections.set(flow.id, flow);
    this.byRemote.set(flow.remoteKey, flow);
    return flow;
  }

  private async connect(
    transport: ConnKind,
    address: string,
    port: number,
    key: string,
  ): Promise<ConnectionFlow | undefined> {
    const counters = this.metrics.for(transport);
    if (this.liveCount() >= this.cfg.maxConnections) {
      counters.error('conn-limit');
      return undefined;
    }
    const r = await openOutbound(
      {
        transport,
        address,
        port,
        connectTimeoutMs: this.cfg.connectTimeoutMs,
        tlsClient: this.init.tlsClient,
        wsPath: this.init.wsPath ?? '/',
      },
      this.pendingSockets,
    );
    if (!r.ok) {
      counters.error(r.error);
      this.log.debug({ transport, address, port, why: r.detail }, 'connect failed');
      return undefined;
    }
    if (this.state !== TransportLayerState.Running) {
      r.socket.destroy();
      return undefined;
    }
    const flow = this.makeFlow(r.socket, transport, false, r.head);
    // Reuse is keyed by the destination as asked for, which may differ in spelling from remoteAddress.
    if (key !== flow.remoteKey) {
      flow.requestedKey = key;
      this.byRemote.set(key, flow);
    }
    this.log.debug({ flow: flow.id, remote: flow.remote, transport }, 'connection opened');
    return flow;
  }

  private reapIdle(): void {
    const now = Date.now();
    for (const c of this.connections.values()) {
      if (c.idleTimeoutMs > 0 && now - c.lastActivity > c.idleTimeoutMs) {
        this.metrics.for(c.transport).error('idle-timeout');
        c.closeWith('idle');
      }
    }
  }

  private connectionSamples(): MetricSample[] {
    const counts: Record<string, number> = {};
    for (const c of this.connections.values()) counts[c.transport] = (counts[c.transport] ?? 0) + 1;
    return CONN_KINDS.map((t) => ({ labels: [t], value: counts[t] ?? 0 }));
  }

  /** At most one warning per reason every 10 s; the rest are counted and reported with the next one. */
  private warnRateLimited(reason: string, detail: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    const w = this.lastWarn.get(reason);
    if (w && now - w.at < 10_000) {
      w.suppressed++;
      return;
    }
    this.log.warn({ ...detail, suppressed: w?.suppressed ?? 0 }, msg);
    this.lastWarn.set(reason, { at: now, suppressed: 0 });
  }
}

function isFlow(t: SendTarget | Flow): t is Flow {
  return typeof (t as Flow).send === 'function';
}
