import { createConnection, type Socket } from 'node:net';
import type { Logger, MetricsRegistry, Counter } from '@beckon/ops';
import { formatOid, type Oid } from '../ber/oid.js';
import type { VarBind } from '../ber/snmp-value.js';
import { SNMP_TRAP_OID_0, SYS_UP_TIME_0 } from '../agent/notification-originator.js';
import type { MibRegistry } from '../mib/mib-registry.js';
import { agentxFrameLength, decodeAgentxPdu, encodeAgentxPdu } from './agentx-codec.js';
import { AgentxDispatcher } from './agentx-dispatcher.js';
import {
  AGENTX_HEADER_LENGTH,
  AgentxCloseReason,
  AgentxError,
  AgentxFlags,
  AgentxPduType,
  type AgentxMessage,
  type AgentxPduBody,
} from './agentx-pdu.js';

/** RFC 2741 §8.2.1: the well-known Unix-domain socket of the master agent. */
export const AGENTX_DEFAULT_SOCKET = '/var/agentx/master';

/** Session states of the subagent side (RFC 2741 §7.1). */
export enum AgentxSessionState {
  Disconnected = 'disconnected',
  Opening = 'opening',
  Registering = 'registering',
  Open = 'open',
  Closing = 'closing',
}

export interface AgentxSubagentComponents {
  log: Logger;
  metrics: MetricsRegistry;
}

export interface AgentxSubagentInit {
  registry: MibRegistry;
  /** Unix socket path (default /var/agentx/master) or a TCP endpoint. */
  socket?: string | { host: string; port: number };
  /** Subtrees registered with the master agent once the session is open. */
  subtrees: readonly Oid[];
  /** Non-default context served (default: the default context). */
  context?: string;
  /**
   * o.timeout / r.timeout sent to the master (RFC 2741 §6.2.1: "the length of time, in seconds, that a
   * master agent should allow to elapse after dispatching a message on a session before it regards the
   * subagent as not responding"), also how long this side waits for a master's Response. Default 5.
   */
  timeoutSec?: number;
  /** First reconnect delay; doubles after each failed attempt up to `maxReconnectMs`. Default 1000. */
  reconnectMs?: number;
  /** Default 30,000. */
  maxReconnectMs?: number;
  /** Ping keep-alive period. Default 15,000 ms. */
  pingIntervalMs?: number;
  /** o.id and o.descr of the Open-PDU. */
  id?: Oid;
  description?: string;
  /** r.priority of the registrations (1 = highest, default 127). */
  priority?: number;
}

interface Waiter {
  resolve: (m: AgentxMessage | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * An AgentX subagent (RFC 2741): connects to a master agent (snmpd), opens a session, registers its
 * subtrees and answers the master's requests from a MibRegistry. Reconnects with exponential back-off
 * when the connection drops (the master restarted) and probes the master with Ping.
 */
export class AgentxSubagent {
  private stateValue = AgentxSessionState.Disconnected;
  private socket: Socket | undefined;
  private rx: Buffer = Buffer.alloc(0);
  private session = 0;
  private nextPacketId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private stopped = true;
  private readonly listeners = new Set<(s: AgentxSessionState) => void>();
  private readonly dispatcher: AgentxDispatcher;
  private readonly log: Logger;
  private readonly started = performance.now();
  private readonly timeoutSec: number;
  private readonly context: Buffer | undefined;
  private readonly pdusIn: Counter;
  private readonly pdusOut: Counter;
  private readonly parseErrors: Counter;
  private readonly reconnects: Counter;
  /** Completed Open handshakes (tests and diagnostics). */
  sessionsOpened = 0;

  constructor(
    components: AgentxSubagentComponents,
    private readonly init: AgentxSubagentInit,
  ) {
    this.log = components.log.child({ component: 'snmp.agentx' });
    this.dispatcher = new AgentxDispatcher({ registry: init.registry, context: init.context });
    this.backoffMs = init.reconnectMs ?? 1000;
    this.timeoutSec = Math.min(255, Math.max(0, init.timeoutSec ?? 5));
    this.context = init.context ? Buffer.from(init.context, 'utf8') : undefined;
    const m = components.metrics;
    this.pdusIn = m.counter('snmp_agentx_pdus_in_total', 'AgentX PDUs received by type', ['type']);
    this.pdusOut = m.counter('snmp_agentx_pdus_out_total', 'AgentX PDUs sent by type', ['type']);
    this.parseErrors = m.counter('snmp_agentx_parse_errors_total', 'AgentX PDUs that could not be parsed');
    this.reconnects = m.counter('snmp_agentx_reconnects_total', 'AgentX connection attempts after a loss');
  }

  get state(): AgentxSessionState {
    return this.stateValue;
  }

  /** h.sessionID assigned by the master (0 when not open). */
  get sessionId(): number {
    return this.session;
  }

  /** Starts connecting (and keeps reconnecting until `close`). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /**
   * RFC 2741 §6.2.10 Notify-PDU: the master sends the notification to its own targets. The varbinds
   * start with sysUpTime.0 (optional) and snmpTrapOID.0; this adds both. Resolves with the master's
   * res.error (0 = accepted), or `notOpen` / `timeout`.
   */
  async notify(
    trapOid: Oid,
    varbinds: readonly VarBind[] = [],
  ): Promise<{ ok: true } | { ok: false; error: number | 'notOpen' | 'timeout' }> {
    if (this.stateValue !== AgentxSessionState.Open) return { ok: false, error: 'notOpen' };
    const r = await this.request({
      type: AgentxPduType.Notify,
      ...(this.context ? { context: this.context } : {}),
      varbinds: [
        { oid: SYS_UP_TIME_0, value: { type: 'TimeTicks', value: this.upTime() } },
        { oid: SNMP_TRAP_OID_0, value: { type: 'ObjectIdentifier', value: trapOid } },
        ...varbinds,
      ],
    });
    if (!r || r.pdu.type !== AgentxPduType.Response) return { ok: false, error: 'timeout' };
    return r.pdu.error === 0 ? { ok: true } : { ok: false, error: r.pdu.error };
  }

  /** Resolves true once the session reaches `state`, false after `timeoutMs`. */
  waitForState(state: AgentxSessionState, timeoutMs: number): Promise<boolean> {
    if (this.stateValue === state) return Promise.resolve(true);
    return new Promise((resolve) => {
      const l = (s: AgentxSessionState): void => {
        if (s !== state) return;
        clearTimeout(t);
        this.listeners.delete(l);
        resolve(true);
      };
      const t = setTimeout(() => {
        this.listeners.delete(l);
        resolve(false);
      }, timeoutMs);
      this.listeners.add(l);
    });
  }

  /** RFC 2741 §7.1.3: sends Close (reasonShutdown) when open, then drops the connection for good. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const open =
      this.stateValue === AgentxSessionState.Open || this.stateValue === AgentxSessionState.Registering;
    if (open && this.socket) {
      this.setState(AgentxSessionState.Closing);
      await this.request({ type: AgentxPduType.Close, reason: AgentxCloseReason.shutdown }, 1000);
    }
    const s = this.socket;
    if (s && !s.destroyed) {
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.destroy();
      });
    }
    this.teardown();
  }

  private setState(s: AgentxSessionState): void {
    if (s === this.stateValue) return;
    this.log.debug({ from: this.stateValue, to: s }, 'agentx session state');
    this.stateValue = s;
    for (const l of [...this.listeners]) l(s);
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.stopped) return;
    this.setState(AgentxSessionState.Opening);
    const where = this.init.socket ?? AGENTX_DEFAULT_SOCKET;
    const sock =
      typeof where === 'string'
        ? createConnection({ path: where })
        : createConnection({ host: where.host, port: where.port });
    this.socket = sock;
    this.rx = Buffer.alloc(0);
    sock.setNoDelay?.(true);
    sock.on('connect', () => {
      void this.openSession(sock);
    });
    sock.on('data', (chunk: Buffer) => this.onData(sock, chunk));
    sock.on('error', (err) => this.log.debug({ err: err.message }, 'agentx socket error'));
    sock.on('close', () => this.onClosed(sock));
  }

  /** RFC 2741 §7.1.1 Open, then §7.1.5 Register for every subtree. */
  private async openSession(sock: Socket): Promise<void> {
    const open = await this.request({
      type: AgentxPduType.Open,
      timeout: this.timeoutSec,
      id: this.init.id ?? [],
      descr: Buffer.from(this.init.description ?? 'Beckon AgentX subagent', 'utf8'),
    });
    if (sock !== this.socket) return;
    if (!open || open.pdu.type !== AgentxPduType.Response || open.pdu.error !== 0) {
      this.log.warn(
        { error: open?.pdu.type === AgentxPduType.Response ? open.pdu.error : 'timeout' },
        'agentx open failed',
      );
      sock.destroy();
      return;
    }
    this.session = open.header.sessionId;
    this.setState(AgentxSessionState.Registering);
    for (const subtree of this.init.subtrees) {
      const r = await this.request({
        type: AgentxPduType.Register,
        ...(this.context ? { context: this.context } : {}),
        timeout: 0,
        priority: this.init.priority ?? 127,
        rangeSubid: 0,
        subtree,
      });
      if (sock !== this.socket) return;
      if (!r || r.pdu.type !== AgentxPduType.Response) {
        this.log.warn({ subtree: formatOid(subtree) }, 'agentx register: no response');
        sock.destroy();
        return;
      }
      // §7.1.5.1: duplicateRegistration leaves the session open; the other subtrees still register.
      if (r.pdu.error !== 0)
        this.log.warn({ subtree: formatOid(subtree), error: r.pdu.error }, 'agentx register refused');
    }
    this.sessionsOpened++;
    this.backoffMs = this.init.reconnectMs ?? 1000;
    this.setState(AgentxSessionState.Open);
    this.log.info({ sessionId: this.session, subtrees: this.init.subtrees.length }, 'agentx session open');
    this.armPing(sock);
  }

  /** §7.1.7 Ping: the subagent probes the master; no Response within the timeout drops the connection. */
  private armPing(sock: Socket): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      this.pingTimer = undefined;
      void this.request({
        type: AgentxPduType.Ping,
        ...(this.context ? { context: this.context } : {}),
      }).then((r) => {
        if (sock !== this.socket || this.stateValue !== AgentxSessionState.Open) return;
        if (!r) {
          this.log.warn('agentx master does not answer Ping; reconnecting');
          sock.destroy();
          return;
        }
        this.armPing(sock);
      });
    }, this.init.pingIntervalMs ?? 15_000);
  }

  private upTime(): number {
    return Math.floor((performance.now() - this.started) / 10) >>> 0;
  }

  /** Sends a subagent-originated PDU and waits for the master's Response (undefined on timeout/loss). */
  private request(
    pdu: AgentxPduBody,
    timeoutMs = Math.max(1, this.timeoutSec) * 1000,
  ): Promise<AgentxMessage | undefined> {
    const sock = this.socket;
    if (!sock || sock.destroyed) return Promise.resolve(undefined);
    const packetId = this.nextPacketId;
    this.nextPacketId = this.nextPacketId >= 0x7fffffff ? 1 : this.nextPacketId + 1;
    const enc = encodeAgentxPdu({
      header: { flags: AgentxFlags.NetworkByteOrder, sessionId: this.session, transactionId: 0, packetId },
      pdu,
    });
    if (!enc.ok) {
      this.log.error({ error: enc.error }, 'agentx encode failed');
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(packetId);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(packetId, { resolve, timer });
      this.pdusOut.inc([AgentxPduType[pdu.type]]);
      sock.write(enc.value);
    });
  }

  private onData(sock: Socket, chunk: Buffer): void {
    if (sock !== this.socket) return;
    this.rx = this.rx.length === 0 ? chunk : Buffer.concat([this.rx, chunk]);
    while (this.rx.length >= AGENTX_HEADER_LENGTH) {
      const total = agentxFrameLength(this.rx);
      if (total < 0) {
        // RFC 2741 §7.1.3: a session may be closed with reasonParseError.
        this.parseErrors.inc();
        this.log.warn('agentx: unparseable header from the master; closing the connection');
        this.sendRaw(
          sock,
          { type: AgentxPduType.Close, reason: AgentxCloseReason.parseError },
          0,
          0,
          0,
          true,
        );
        sock.destroy();
        return;
      }
      if (total === 0 || this.rx.length < total) return;
      const frame = this.rx.subarray(0, total);
      this.rx = this.rx.subarray(total);
      this.onFrame(sock, frame);
    }
  }

  private onFrame(sock: Socket, frame: Buffer): void {
    const net = (frame[2]! & AgentxFlags.NetworkByteOrder) !== 0;
    const d = decodeAgentxPdu(frame);
    if (!d.ok) {
      this.parseErrors.inc();
      this.log.debug({ error: d.error }, 'agentx: bad PDU');
      // §7.2.2: a request whose payload cannot be parsed is answered with parseError.
      if (frame[1] !== AgentxPduType.Response && frame[1] !== AgentxPduType.CleanupSet) {
        const rd = (o: number): number => (net ? frame.readUInt32BE(o) : frame.readUInt32LE(o));
        this.sendRaw(
          sock,
          {
            type: AgentxPduType.Response,
            sysUpTime: this.upTime(),
            error: AgentxError.parseError,
            index: 0,
            varbinds: [],
          },
          rd(4),
          rd(8),
          rd(12),
          net,
        );
      }
      return;
    }
    const m = d.value;
    this.pdusIn.inc([AgentxPduType[m.pdu.type] ?? 'unknown']);
    if (m.pdu.type === AgentxPduType.Response) {
      const w = this.waiting.get(m.header.packetId);
      if (w) {
        this.waiting.delete(m.header.packetId);
        clearTimeout(w.timer);
        w.resolve(m);
      }
      return;
    }
    if (m.pdu.type === AgentxPduType.Close) {
      this.log.info({ reason: m.pdu.reason }, 'agentx master closed the session');
      sock.destroy();
      return;
    }
    const { sessionId, transactionId, packetId } = m.header;
    if (
      (this.stateValue !== AgentxSessionState.Open && this.stateValue !== AgentxSessionState.Registering) ||
      sessionId !== this.session
    ) {
      // §7.2.2: a request for a session that is not open is answered with notOpen.
      this.sendRaw(
        sock,
        {
          type: AgentxPduType.Response,
          sysUpTime: this.upTime(),
          error: AgentxError.notOpen,
          index: 0,
          varbinds: [],
        },
        sessionId,
        transactionId,
        packetId,
        net,
      );
      return;
    }
    const body = this.dispatcher.handle(m.pdu, transactionId, this.upTime());
    if (body) this.sendRaw(sock, body, sessionId, transactionId, packetId, net);
  }

  /** Answers in the byte order of the request. */
  private sendRaw(
    sock: Socket,
    pdu: AgentxPduBody,
    sessionId: number,
    transactionId: number,
    packetId: number,
    networkOrder: boolean,
  ): void {
    let enc = encodeAgentxPdu({
      header: { flags: networkOrder ? AgentxFlags.NetworkByteOrder : 0, sessionId, transactionId, packetId },
      pdu,
    });
    if (!enc.ok && pdu.type === AgentxPduType.Response) {
      // a handler produced a value that cannot be encoded: genErr instead of a broken PDU
      this.log.warn({ error: enc.error }, 'agentx: response not encodable');
      enc = encodeAgentxPdu({
        header: {
          flags: networkOrder ? AgentxFlags.NetworkByteOrder : 0,
          sessionId,
          transactionId,
          packetId,
        },
        pdu: { ...pdu, error: 5, index: 0, varbinds: [] },
      });
    }
    if (!enc.ok || sock.destroyed) return;
    this.pdusOut.inc([AgentxPduType[pdu.type]]);
    sock.write(enc.value);
  }

  private teardown(): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = undefined;
    for (const [id, w] of [...this.waiting]) {
      clearTimeout(w.timer);
      this.waiting.delete(id);
      w.resolve(undefined);
    }
    this.dispatcher.cleanupSet();
    this.session = 0;
    this.socket = undefined;
    this.rx = Buffer.alloc(0);
    this.setState(AgentxSessionState.Disconnected);
  }

  private onClosed(sock: Socket): void {
    if (sock !== this.socket) return;
    const wasOpen = this.stateValue === AgentxSessionState.Open;
    this.teardown();
    if (this.stopped) return;
    if (wasOpen) this.log.warn('agentx connection to the master lost; reconnecting');
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.init.maxReconnectMs ?? 30_000);
    this.reconnects.inc();
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}
