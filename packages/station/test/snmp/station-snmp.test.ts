import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type SnmpConfig } from '@beckon/config';
import { COLUMNS, SIP_SERVER_ENTRIES } from '@beckon/mibs';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { CommandGenerator, oid, UdpTransport, type CommunityTarget, type VarBind } from '@beckon/snmp';
import { LocationService } from '../../src/location/index.js';
import { StationSnmp, type SnmpConfigChange } from '../../src/snmp/index.js';
import { MemoryLocationStore } from './helpers/memory-location-store.js';
import { populateLocation } from './helpers/populate-location.js';

const SIP_SERVER_REG_CONTACT_ENTRY = SIP_SERVER_ENTRIES.sipServerRegContactEntry;
const SIP_SERVER_REG_USER_ENTRY = SIP_SERVER_ENTRIES.sipServerRegUserEntry;

function snmpConfig(over: Partial<SnmpConfig> = {}): SnmpConfig {
  const c = defaultConfig().snmp;
  return {
    ...c,
    listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    communities: [
      { name: 'public', access: 'read' },
      { name: 'private', access: 'write' },
    ],
    ...over,
  };
}

void describe('StationSnmp', () => {
  let dir: string;
  let location: LocationService;
  let snmp: StationSnmp;
  let manager: CommandGenerator;
  let managerTransport: UdpTransport;
  const changes: SnmpConfigChange[] = [];
  let target: (community: string) => CommunityTarget;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'beckon-snmp-'));
    const metrics = new MetricsRegistry();
    metrics.counter('sip_requests_in', 'SIP requests received', ['method']).inc(['OPTIONS'], 7);
    location = new LocationService({ store: new MemoryLocationStore(), metrics });
    await location.start();
    await populateLocation(location, 30, { perUser: 2 });
    snmp = new StationSnmp(
      {
        log: silentLogger(),
        metrics,
        location,
        sipListeners: () => [{ transport: 'udp', port: 5060 }],
        onConfigChange: (c) => changes.push(c),
      },
      snmpConfig(),
      { stateFile: join(dir, 'snmp-engine.json'), sip: { domain: 'example.net' } },
    );
    const r = await snmp.start();
    assert.ok(r.ok, JSON.stringify(r));
    managerTransport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    manager = new CommandGenerator({ transport: managerTransport, timeoutMs: 2000 });
    const port = snmp.listeners()[0]!.port;
    target = (community) => ({ address: '127.0.0.1', port, version: 'v2c', community });
  });

  after(async () => {
    manager?.dispose();
    await managerTransport?.close();
    await snmp?.stop();
    await location?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  void test('system group: sysDescr and sysObjectID under the documentation enterprise arc', async () => {
    const r = await manager.get(target('public'), [oid('1.3.6.1.2.1.1.1.0'), oid('1.3.6.1.2.1.1.2.0')]);
    assert.ok(r.ok);
    const [descr, objectId] = r.value.varbinds as [VarBind, VarBind];
    assert.equal(descr.value.type, 'OctetString');
    assert.match(descr.value.type === 'OctetString' ? descr.value.value.toString() : '', /^Beckon station /);
    assert.deepEqual(objectId.value, { type: 'ObjectIdentifier', value: [1, 3, 6, 1, 4, 1, 32473, 1, 1] });
  });

  void test('sipServerRegContactTable walks the live location service in index order', async () => {
    const r = await manager.walk(target('public'), [
      ...SIP_SERVER_REG_CONTACT_ENTRY,
      COLUMNS.sipServerRegContactEntry.sipServerRegContactURI,
    ]);
    assert.ok(r.ok);
    assert.equal(r.value.length, 60);
    const uris = r.value.map((vb) => (vb.value.type === 'OctetString' ? vb.value.value.toString() : ''));
    assert.match(uris[0]!, /^sip:u0000000@127\.0\.0\.0:5060/);
    const users = await manager.walk(target('public'), [
      ...SIP_SERVER_REG_USER_ENTRY,
      COLUMNS.sipServerRegUserEntry.sipServerRegUserUri,
    ]);
    assert.ok(users.ok);
    assert.equal(users.value.length, 30);
    const first = users.value[0]!.value;
    assert.equal(first.type === 'OctetString' ? first.value.toString() : '', 'u0000000@example.net');
  });

  void test('sipCommonSummaryInRequests reads the MetricsRegistry', async () => {
    // sipCommonSummaryInRequests.1 = mib-2.149.1.3.1.1.1.1
    const r = await manager.get(target('public'), [oid('1.3.6.1.2.1.149.1.3.1.1.1.1')]);
    assert.ok(r.ok);
    assert.deepEqual(r.value.varbinds[0]!.value, { type: 'Counter32', value: 7 });
  });

  void test('communities: read-only by default, write community changes sysContact (logged, reported)', async () => {
    const vb: VarBind = {
      oid: oid('1.3.6.1.2.1.1.4.0'),
      value: { type: 'OctetString', value: Buffer.from('noc@example.net') },
    };
    // read-only community: refused (noAccess / dropped as snmpInBadCommunityUses)
    const ro = await manager.set({ ...target('public'), timeoutMs: 300, retries: 0 }, [vb]);
    assert.ok(!ro.ok || ro.value.errorStatus !== 0, 'public may not write');
    assert.equal(snmp.runningConfig().sysContact, '');
    const rw = await manager.set(target('private'), [vb]);
    assert.ok(rw.ok);
    assert.equal(rw.value.errorStatus, 0);
    assert.equal(snmp.runningConfig().sysContact, 'noc@example.net');
    assert.deepEqual(changes.at(-1), {
      path: 'snmp.sysContact',
      oid: '1.3.6.1.2.1.1.4.0',
      value: 'noc@example.net',
      by: 'private',
    });
  });

  void test('applTable names the entity sip_proxy_registrar1 (RFC 4780 §5.2)', async () => {
    const r = await manager.get(target('public'), [oid('1.3.6.1.2.1.27.1.1.2.1')]);
    assert.ok(r.ok);
    const v = r.value.varbinds[0]!.value;
    assert.equal(v.type === 'OctetString' ? v.value.toString() : '', 'sip_proxy_registrar1');
  });

  void test('snmpEngineBoots is persisted and grows at every start', async () => {
    const file = join(dir, 'snmp-engine.json');
    const first = JSON.parse(readFileSync(file, 'utf8')) as { engineId: string; engineBoots: number };
    assert.equal(first.engineBoots, 1);
    assert.equal(snmp.engineBoots, 1);
    const again = new StationSnmp(
      { log: silentLogger(), metrics: new MetricsRegistry(), location },
      snmpConfig(),
      { stateFile: file },
    );
    const r = await again.start();
    assert.ok(r.ok);
    try {
      assert.equal(again.engineBoots, 2);
      assert.equal(again.engineId?.toString('hex'), first.engineId);
      // the generated engine ID is under enterprise 32473, format 5 (octets)
      assert.equal(first.engineId.slice(0, 10), '80007ed905');
    } finally {
      await again.stop();
    }
    // a configured engine ID starts boots again at 1
    const configured = new StationSnmp(
      { log: silentLogger(), metrics: new MetricsRegistry(), location },
      snmpConfig({ engineId: '80007ed9040102030405' }),
      { stateFile: file },
    );
    assert.ok((await configured.start()).ok);
    try {
      assert.equal(configured.engineBoots, 1);
    } finally {
      await configured.stop();
    }
  });

  void test('an invalid configuration is a start error, not an exception', async () => {
    const bad = new StationSnmp(
      { log: silentLogger(), metrics: new MetricsRegistry(), location },
      snmpConfig({
        users: [
          {
            name: 'old',
            authProtocol: 'SHA',
            authPassword: 'password1',
            privProtocol: 'DES',
            privPassword: 'password2',
            access: 'read',
          },
        ],
      }),
    );
    const r = await bad.start();
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /DES/);
  });

  void test('an empty snmp.listen disables the agent', async () => {
    const off = new StationSnmp(
      { log: silentLogger(), metrics: new MetricsRegistry(), location },
      snmpConfig({ listen: [] }),
    );
    const r = await off.start();
    assert.deepEqual(r, { ok: true, listeners: [] });
    assert.equal(off.agent, undefined);
    await off.stop();
  });
});
