import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type BeckonConfig, type SnmpConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { HttpApi } from '../../../src/http/index.js';
import { stationSnmpFromConfig, type SnmpConfigChange, type StationSnmp } from '../../../src/snmp/index.js';
import { Station } from '../../../src/station.js';

export const RIG_DOMAIN = 'example.net';

/** SNMPv3 users of the rig: one read-only, one read-write, both SHA-256 + AES-128 (authPriv). */
export const RIG_USERS = {
  reader: { name: 'beckonReader', auth: 'reader-auth-pass', priv: 'reader-priv-pass' },
  writer: { name: 'beckonWriter', auth: 'writer-auth-pass', priv: 'writer-priv-pass' },
} as const;

export interface StationRig {
  dir: string;
  config: BeckonConfig;
  metrics: MetricsRegistry;
  station: Station;
  snmp: StationSnmp;
  http: HttpApi;
  sipPort: number;
  snmpTarget: string;
  httpBase: string;
  changes: SnmpConfigChange[];
  stop(): Promise<void>;
}

/**
 * The station as `beckon station` composes it, in-process on ephemeral loopback ports: Station (SIP,
 * registrar, proxy, location service on SQLite), StationSnmp and HttpApi built from the same components.
 */
export async function startStationRig(opts: {
  users: { username: string; password: string }[];
  snmp?: Partial<SnmpConfig>;
  thresholdPollMs?: number;
}): Promise<StationRig> {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-snmp-rig-'));
  const c = defaultConfig();
  const config: BeckonConfig = {
    ...c,
    sip: { ...c.sip, domain: RIG_DOMAIN, listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    auth: { ...c.auth, algorithms: ['MD5'], users: opts.users },
    storage: { ...c.storage, driver: 'sqlite', sqlitePath: join(dir, 'beckon.db') },
    snmp: {
      ...c.snmp,
      listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
      communities: [
        { name: 'public', access: 'read' },
        { name: 'private', access: 'write' },
      ],
      users: [
        {
          name: RIG_USERS.reader.name,
          authProtocol: 'SHA-256',
          authPassword: RIG_USERS.reader.auth,
          privProtocol: 'AES',
          privPassword: RIG_USERS.reader.priv,
          access: 'read',
        },
        {
          name: RIG_USERS.writer.name,
          authProtocol: 'SHA-256',
          authPassword: RIG_USERS.writer.auth,
          privProtocol: 'AES',
          privPassword: RIG_USERS.writer.priv,
          access: 'write',
        },
      ],
      ...opts.snmp,
    },
    http: { listen: { host: '127.0.0.1', port: 0 } },
  };
  const log = silentLogger();
  const metrics = new MetricsRegistry();
  const station = new Station({ log, metrics }, config);
  await station.start();
  const changes: SnmpConfigChange[] = [];
  // composed as the station does it (see StationSnmp wiring in the report / README)
  const snmp = stationSnmpFromConfig(
    {
      log,
      metrics,
      location: station.location,
      sipListeners: () => station.listeners(),
      onConfigChange: (ch) => changes.push(ch),
    },
    config,
    {
      supported: ['path', 'outbound'],
      ...(opts.thresholdPollMs ? { thresholdPollMs: opts.thresholdPollMs } : {}),
    },
  );
  const s = await snmp.start();
  if (!s.ok) {
    await station.stop();
    throw new Error(s.error);
  }
  const http = new HttpApi(
    { log, metrics, location: station.location, health: () => ({ snmp: snmp.currentState }) },
    config.http,
  );
  const h = await http.start();
  if (!h.ok) {
    await snmp.stop();
    await station.stop();
    throw new Error(h.error);
  }
  return {
    dir,
    config,
    metrics,
    station,
    snmp,
    http,
    sipPort: station.listeners()[0]!.port,
    snmpTarget: `127.0.0.1:${s.listeners[0]!.port}`,
    httpBase: `http://127.0.0.1:${h.address.port}`,
    changes,
    async stop() {
      await http.stop();
      await snmp.stop();
      await station.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A SIPp scenario: one OPTIONS to `sip:nobody@domain` answered 404 (unknown user) per call. */
export const OPTIONS_404_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="options-404">
  <send>
    <![CDATA[

      OPTIONS sip:nobody@${RIG_DOMAIN} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:nobody@${RIG_DOMAIN}>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Accept: application/sdp
      Content-Length: 0

    ]]>
  </send>
  <recv response="404"/>
</scenario>
`;
