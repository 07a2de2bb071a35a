import type { Logger, MetricsRegistry } from '@beckon/ops';
import { SipEndpoint, Subscriber, TransportLayer } from '@beckon/sip';
import { macPlus } from '../mac-address.js';
import type { CallHomeEvent } from '../managed-device.js';
import type { UaServer } from './device-snmp-agent.js';
import type { DeviceSnmpSessionInit } from './device-snmp-session-handler.js';
import { SnmpManagedDevice } from './snmp-managed-device.js';

export interface SnmpDeviceFleetInit {
  /** Devices to run (1..10000); device i has MAC `macBase + i`, user `${userPrefix}${i}`. */
  count: number;
  macBase: string;
  userPrefix: string;
  password: string;
  domain: string;
  /** Local address of the SIP sockets. */
  host: string;
  /** SIP sockets shared by the devices (device i uses socket i % sockets), default 1. */
  sockets?: number;
  /** The station's SIP address (SUBSCRIBE target, UDP). */
  station: { address: string; port: number };
  /** First registrar (sipUACfgServerAddress); absent: no registration. */
  registrar?: UaServer;
  protocols: readonly string[];
  callHome: { allowed: readonly string[]; minIntervalMs?: number; timeoutMs?: number };
  /** TSM names that may read / write the agents (the station's mapped certificate name, SSH user). */
  readers: readonly string[];
  writers: readonly string[];
  /** Credentials of the secure transports (one set for the fleet). */
  sessions: DeviceSnmpSessionInit;
  /** sysDescr of device i (default `Beckon device <MAC>`). */
  descr?: (mac: string, i: number) => string;
  /** sysContact and sysLocation of every agent (default empty). */
  contact?: string;
  location?: string;
  /** Devices started at once (default 50). */
  startBatch?: number;
}

/**
 * N devices with SNMP behind call-home in one process (`beckon device` with snmp-tls / snmp-ssh, the
 * benchmark and the end-to-end tests): SnmpManagedDevice each (ManagedDevice + DeviceSnmpAgent +
 * DeviceSnmpSessionHandler + UaRegistration), sharing a few UDP SIP sockets.
 */
export class SnmpDeviceFleet {
  readonly devices: SnmpManagedDevice[] = [];
  private readonly nodes: { endpoint: SipEndpoint; subscriber: Subscriber; port: number }[] = [];
  private readonly callHomeListeners: ((e: CallHomeEvent, mac: string) => void)[] = [];
  private readonly regListeners: ((mac: string, server: UaServer, status: number) => void)[] = [];

  constructor(
    private readonly c: { log: Logger; metrics: MetricsRegistry },
    private readonly init: SnmpDeviceFleetInit,
  ) {
    if (!Number.isInteger(init.count) || init.count < 1 || init.count > 10_000)
      throw new Error('SnmpDeviceFleet: count must be 1..10000');
  }

  onCallHome(fn: (e: CallHomeEvent, mac: string) => void): void {
    this.callHomeListeners.push(fn);
  }

  onRegistered(fn: (mac: string, server: UaServer, status: number) => void): void {
    this.regListeners.push(fn);
  }

  /** SIP ports of the shared sockets. */
  get sipPorts(): number[] {
    return this.nodes.map((n) => n.port);
  }

  /** Opens the sockets, builds the devices and starts them (register, then subscribe). */
  async start(): Promise<void> {
    const { log, metrics } = this.c;
    const init = this.init;
    const nSockets = Math.max(1, Math.min(init.sockets ?? 1, init.count));
    for (let s = 0; s < nSockets; s++) {
      const transport = new TransportLayer(
        { log, metrics },
        { listeners: [{ transport: 'udp', host: init.host, port: 0 }] },
      );
      const endpoint = new SipEndpoint({ log, metrics, transport }, { userAgent: 'Beckon-Device' });
      const st = await endpoint.start();
      if (!st.ok) throw new Error(`device SIP socket did not open: ${st.error}`);
      const subscriber = new Subscriber({ log, metrics, endpoint });
      this.nodes.push({ endpoint, subscriber, port: transport.listeners()[0]?.port ?? 0 });
    }
    for (let i = 0; i < init.count; i++) {
      const node = this.nodes[i % nSockets] as (typeof this.nodes)[number];
      const mac = macPlus(init.macBase, i);
      const d = new SnmpManagedDevice(
        { log, metrics, endpoint: node.endpoint, subscriber: node.subscriber },
        {
          device: {
            mac,
            user: `${init.userPrefix}${i}`,
            password: init.password,
            domain: init.domain,
            contact: { host: init.host, port: node.port, transport: 'udp' },
            management: {
              host: `${init.station.address}:${init.station.port}`,
              target: { transport: 'udp', address: init.station.address, port: init.station.port },
            },
            protocols: init.protocols,
            callHome: init.callHome,
          },
          ...(init.registrar ? { registrar: init.registrar } : {}),
          agent: {
            system: {
              descr: init.descr?.(mac, i) ?? `Beckon device ${mac}`,
              ...(init.contact !== undefined ? { contact: init.contact } : {}),
              ...(init.location !== undefined ? { location: init.location } : {}),
            },
            readers: init.readers,
            writers: init.writers,
          },
          sessions: init.sessions,
        },
      );
      d.device.onCallHome((e) => {
        for (const l of this.callHomeListeners) l(e, mac);
      });
      d.onRegistered((server, status) => {
        for (const l of this.regListeners) l(mac, server, status);
      });
      this.devices.push(d);
    }
    const batch = Math.max(1, init.startBatch ?? 50);
    for (let i = 0; i < this.devices.length; i += batch)
      await Promise.all(this.devices.slice(i, i + batch).map((d) => d.start()));
  }

  subscribedCount(): number {
    let n = 0;
    for (const d of this.devices) if (d.device.state === 'subscribed') n++;
    return n;
  }

  /** Resolves true when every device is subscribed, false after `timeoutMs`. */
  async waitSubscribed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.subscribedCount() < this.devices.length) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  async stop(opts: { silent?: boolean } = {}): Promise<void> {
    for (let i = 0; i < this.devices.length; i += 200)
      await Promise.all(this.devices.slice(i, i + 200).map((d) => d.stop(opts)));
    for (const n of this.nodes) {
      await n.subscriber.stop();
      await n.endpoint.stop();
    }
    this.nodes.length = 0;
  }
}
