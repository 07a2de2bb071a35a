import type { Logger, MetricsRegistry } from '@beckon/ops';
import type { SipTransportProtocol } from '@beckon/mibs';
import type { SipEndpoint, Subscriber } from '@beckon/sip';
import { ManagedDevice, type ManagedDeviceInit } from '../managed-device.js';
import { DeviceSnmpAgent, type DeviceSnmpAgentInit, type UaServer } from './device-snmp-agent.js';
import { DeviceSnmpSessionHandler, type DeviceSnmpSessionInit } from './device-snmp-session-handler.js';
import { UaRegistration } from './ua-registration.js';

export interface SnmpManagedDeviceComponents {
  log: Logger;
  metrics: MetricsRegistry;
  endpoint: SipEndpoint;
  subscriber: Subscriber;
}

export interface SnmpManagedDeviceInit {
  /** The managed device (its `registrar` is ignored: registration follows the SIP-UA-MIB server). */
  device: Omit<ManagedDeviceInit, 'registrar'>;
  /** Where the UA registers first (sipUACfgServerAddress row 1); absent: no registration. */
  registrar?: UaServer & { transport?: 'udp' | 'tcp'; expiresSec?: number };
  agent: {
    system: DeviceSnmpAgentInit['system'];
    readers: readonly string[];
    writers: readonly string[];
    community?: DeviceSnmpAgentInit['community'];
    /** Counters of the UA's SIP core (default: a registry of its own). */
    uaMetrics?: MetricsRegistry;
    transports?: readonly SipTransportProtocol[];
  };
  sessions: DeviceSnmpSessionInit;
}

/**
 * `beckon device` with SNMP (issue 6): a ManagedDevice whose call-home sessions serve the device's SNMP
 * agent (DeviceSnmpSessionHandler), and whose registration follows the SIP-UA-MIB server address: a SET
 * of sipUACfgServerAddress moves the registration (UaRegistration.moveTo), so the device re-registers at
 * the registrar the station configured.
 */
export class SnmpManagedDevice {
  readonly device: ManagedDevice;
  readonly agent: DeviceSnmpAgent;
  readonly sessions: DeviceSnmpSessionHandler;
  readonly registration: UaRegistration | undefined;
  private readonly listeners: ((server: UaServer, status: number) => void)[] = [];

  constructor(c: SnmpManagedDeviceComponents, init: SnmpManagedDeviceInit) {
    const d = init.device;
    const reg = init.registrar;
    const contactHost = d.contact.host.includes(':') ? `[${d.contact.host}]` : d.contact.host;
    const ref: { registration?: UaRegistration } = {};
    this.agent = new DeviceSnmpAgent(
      { log: c.log, metrics: c.metrics },
      {
        mac: d.mac,
        system: init.agent.system,
        ua: {
          server: reg ? { host: reg.host, port: reg.port } : { host: '0.0.0.0', port: 5060 },
          sipPort: d.contact.port,
          transports: init.agent.transports ?? [
            d.contact.transport === 'tls' ? 'tlsTcp' : d.contact.transport,
          ],
          metrics: init.agent.uaMetrics ?? c.metrics,
        },
        readers: init.agent.readers,
        writers: init.agent.writers,
        ...(init.agent.community ? { community: init.agent.community } : {}),
        onServerChange: (server) => {
          const r = ref.registration;
          if (!r) return false;
          void r.moveTo(server).then((status) => this.registered(server, status));
          return true;
        },
      },
    );
    this.sessions = new DeviceSnmpSessionHandler(
      { log: c.log, metrics: c.metrics, agent: this.agent },
      init.sessions,
    );
    this.device = new ManagedDevice(
      {
        log: c.log,
        metrics: c.metrics,
        endpoint: c.endpoint,
        subscriber: c.subscriber,
        sessions: this.sessions,
      },
      d,
    );
    if (reg) {
      const tp = d.contact.transport === 'udp' ? '' : `;transport=${d.contact.transport}`;
      ref.registration = new UaRegistration(
        { log: c.log, endpoint: c.endpoint },
        {
          user: d.user,
          domain: d.domain,
          authUsername: this.device.authUsername,
          password: d.password,
          contact: `<sip:MAC%3a${this.device.mac}@${contactHost}:${d.contact.port}${tp}>`,
          transport: reg.transport ?? (d.contact.transport === 'tcp' ? 'tcp' : 'udp'),
          ...(reg.expiresSec !== undefined ? { expiresSec: reg.expiresSec } : {}),
        },
      );
    }
    this.registration = ref.registration;
  }

  /** Told after every (re-)registration with the registrar and the final status. */
  onRegistered(fn: (server: UaServer, status: number) => void): void {
    this.listeners.push(fn);
  }

  private registered(server: UaServer, status: number): void {
    for (const l of this.listeners) l(server, status);
  }

  /** Registers (when a registrar is configured), then subscribes to management-req. */
  async start(): Promise<{ ok: boolean; status?: number }> {
    const server = this.agent.uaServer;
    if (this.registration) {
      const status = await this.registration.start(server);
      this.registered(server, status);
    }
    return this.device.start();
  }

  async stop(opts: { silent?: boolean } = {}): Promise<void> {
    await this.device.stop(opts);
    if (this.registration && !opts.silent) await this.registration.stop();
  }
}
