import type { ConnectionOptions } from 'node:tls';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import {
  SipEndpoint,
  Subscriber,
  TransportLayer,
  type SendTarget,
  type TlsClientOptions,
  type TransportKind,
} from '@beckon/sip';
import { macPlus } from './mac-address.js';
import { ManagedDevice, type CallHomeEvent, type InstrumentIdentification } from './managed-device.js';

export interface DeviceSimulatorComponents {
  log: Logger;
  metrics: MetricsRegistry;
}

export interface DeviceSimulatorInit {
  /** Devices to run (1..10000). */
  count: number;
  /** MAC of device 0; device i has `macBase + i`. */
  macBase: string;
  /** Device i authenticates as `${userPrefix}${i}`. */
  userPrefix: string;
  password: string | ((i: number) => string);
  domain: string;
  identification?: InstrumentIdentification;
  /** SIP sockets shared by the devices (device i uses socket i % sockets), default 1. */
  sockets?: number;
  /** Transport of the devices' SIP traffic (default udp). */
  transport?: Extract<TransportKind, 'udp' | 'tcp' | 'tls'>;
  /** Local address of the sockets (default 127.0.0.1). */
  host?: string;
  /** Where SUBSCRIBEs go (the station). */
  station: SendTarget;
  /** Register first at this target (optional). */
  registrar?: SendTarget;
  /** Request-URI host override (§4.6 discovery is skipped in simulations). */
  managementHost?: string;
  protocols: readonly string[];
  expiresSec?: number;
  callHome: {
    allowed: readonly string[];
    tls?: ConnectionOptions;
    minIntervalMs?: number;
    timeoutMs?: number;
  };
  /** New devices started per second (default 500): bounded load on the station. */
  startRatePerSec?: number;
  /** RFC 3261 T1 for the simulator's endpoints (ms). */
  t1?: number;
  /** TLS client options of the SIP transport (when transport is tls). */
  tlsClient?: TlsClientOptions;
}

/**
 * Runs N managed devices in one process. Devices share a few SIP sockets (one TransportLayer and
 * SipEndpoint per socket, with one Subscriber that routes NOTIFYs by dialog): each device still looks like
 * a distinct UA to the station — its own MAC, digest user, device URI, Contact user, Call-IDs and tags —
 * while the process holds `sockets` file descriptors instead of N. Over UDP every device of a socket
 * shares its source address and port, as devices behind one NAT would.
 */
export class DeviceSimulator {
  readonly devices: ManagedDevice[] = [];
  readonly events: CallHomeEvent[] = [];
  private readonly nodes: { transport: TransportLayer; endpoint: SipEndpoint; subscriber: Subscriber }[] = [];
  private readonly c: DeviceSimulatorComponents;
  private readonly init: DeviceSimulatorInit;
  private readonly listeners: ((e: CallHomeEvent, d: ManagedDevice) => void)[] = [];
  private stopped = false;

  constructor(components: DeviceSimulatorComponents, init: DeviceSimulatorInit) {
    if (!Number.isInteger(init.count) || init.count < 1 || init.count > 10_000)
      throw new Error('DeviceSimulator: count must be 1..10000');
    this.c = components;
    this.init = init;
  }

  onCallHome(fn: (e: CallHomeEvent, d: ManagedDevice) => void): void {
    this.listeners.push(fn);
  }

  /** Opens the sockets and starts the devices at the configured rate. */
  async start(): Promise<void> {
    const kind = this.init.transport ?? 'udp';
    const host = this.init.host ?? '127.0.0.1';
    const nSockets = Math.max(1, Math.min(this.init.sockets ?? 1, this.init.count));
    for (let s = 0; s < nSockets; s++) {
      const transport = new TransportLayer(
        { log: this.c.log, metrics: this.c.metrics },
        {
          listeners: [{ transport: kind === 'tls' ? 'tcp' : kind, host, port: 0 }],
          ...(this.init.tlsClient ? { tlsClient: this.init.tlsClient } : {}),
          maxConnectionsPerSource: 1000,
        },
      );
      const endpoint = new SipEndpoint(
        { log: this.c.log, metrics: this.c.metrics, transport },
        {
          ...(this.init.t1 !== undefined ? { timers: { t1: this.init.t1 } } : {}),
          userAgent: 'Beckon-Device-Sim',
        },
      );
      const started = await endpoint.start();
      if (!started.ok) throw new Error(`simulator socket did not open: ${started.error}`);
      const subscriber = new Subscriber({ log: this.c.log, metrics: this.c.metrics, endpoint });
      this.nodes.push({ transport, endpoint, subscriber });
    }
    for (let i = 0; i < this.init.count; i++) {
      const node = this.nodes[i % nSockets] as (typeof this.nodes)[number];
      const l = node.transport.listeners()[0];
      const station: SendTarget = this.init.station;
      const d = new ManagedDevice(
        { log: this.c.log, metrics: this.c.metrics, endpoint: node.endpoint, subscriber: node.subscriber },
        {
          mac: macPlus(this.init.macBase, i),
          user: `${this.init.userPrefix}${i}`,
          password: typeof this.init.password === 'function' ? this.init.password(i) : this.init.password,
          domain: this.init.domain,
          identification: this.init.identification ?? 'digest-username',
          contact: { host: l?.address ?? host, port: l?.port ?? 5060, transport: kind },
          ...(this.init.registrar ? { registrar: { target: this.init.registrar, expiresSec: 3600 } } : {}),
          management: {
            ...(this.init.managementHost !== undefined ? { host: this.init.managementHost } : {}),
            target: station,
          },
          protocols: this.init.protocols,
          ...(this.init.expiresSec !== undefined ? { expiresSec: this.init.expiresSec } : {}),
          callHome: this.init.callHome,
        },
      );
      d.onCallHome((e) => {
        this.events.push(e);
        for (const fn of this.listeners) fn(e, d);
      });
      this.devices.push(d);
    }
    const rate = Math.max(1, this.init.startRatePerSec ?? 500);
    const batch = Math.max(1, Math.ceil(rate / 20));
    for (let i = 0; i < this.devices.length && !this.stopped; i += batch) {
      await Promise.all(this.devices.slice(i, i + batch).map((d) => d.start()));
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Devices whose subscription is active. */
  subscribedCount(): number {
    let n = 0;
    for (const d of this.devices) if (d.state === 'subscribed') n++;
    return n;
  }

  /** Resolves when `n` devices (default all) are subscribed, or false after `timeoutMs`. */
  async waitSubscribed(timeoutMs: number, n = this.devices.length): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.subscribedCount() < n) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  /** Stops every device (unsubscribing unless `silent`) and closes the sockets. */
  async stop(opts: { silent?: boolean } = {}): Promise<void> {
    this.stopped = true;
    const all = this.devices;
    for (let i = 0; i < all.length; i += 200)
      await Promise.all(all.slice(i, i + 200).map((d) => d.stop(opts)));
    for (const n of this.nodes) {
      await n.subscriber.stop();
      await n.endpoint.stop();
    }
    this.nodes.length = 0;
  }
}
