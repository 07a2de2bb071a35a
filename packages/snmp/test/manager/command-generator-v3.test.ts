import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { CommandGenerator, SnmpAgent, UdpTransport, oid, type V3Target } from '../../src/index.js';
import { startTestAgent, TEST_ENTRY } from '../helpers/test-agent.js';
import { toySecurityModel } from '../helpers/toy-security-model.js';

void test('v3 through the SecurityModel seam: engine discovery, time-window retry, walk, reports', async () => {
  const base = await startTestAgent(100);
  const engineId = Buffer.from('8000ea6003626563', 'hex');
  const agent = new SnmpAgent({
    registry: base.registry,
    access: {
      isAccessAllowed: (model, name) => (model === 3 && name === 'alice' ? 'accessAllowed' : 'noGroupName'),
    },
    securityModels: [toySecurityModel({ engineId, users: ['alice', 'bob'] })],
    engineId,
    metrics: new MetricsRegistry(),
    log: silentLogger(),
  });
  const at = await UdpTransport.bind();
  agent.attach(at);
  const mt = await UdpTransport.bind();
  const m = new CommandGenerator({ transport: mt, timeoutMs: 500, retries: 0 });
  const mgrModel = toySecurityModel({});
  const target: V3Target = {
    address: '127.0.0.1',
    port: at.localAddress.port,
    version: 'v3',
    securityModel: mgrModel,
    securityName: 'alice',
    securityLevel: 'authNoPriv',
  };
  try {
    const g = await m.get(target, [oid('1.3.6.1.2.1.1.5.0')]);
    assert.ok(g.ok, JSON.stringify(!g.ok && g.error));
    assert.deepEqual(g.value.varbinds[0]!.value, { type: 'OctetString', value: Buffer.from('beckon-test') });
    assert.equal(mgrModel.times.get(engineId.toString('hex')), 42); // synchronised through the Report
    let n = 0;
    const w = await m.walk(target, [...TEST_ENTRY, 2], () => n++, { maxRepetitions: 30 });
    assert.ok(w.ok);
    assert.equal(n, 100);
    const unknown = await m.get({ ...target, securityName: 'mallory' }, [oid('1.3.6.1.2.1.1.5.0')]);
    assert.deepEqual(unknown, { ok: false, error: { kind: 'report', oid: oid('1.3.6.1.6.3.15.1.1.3.0') } });
    // bob is a known user without access: authorizationError (v3 responses carry it)
    const bob = await m.get({ ...target, securityName: 'bob' }, [oid('1.3.6.1.2.1.1.5.0')]);
    assert.ok(bob.ok);
    assert.equal(bob.value.errorStatus, 16);
  } finally {
    m.dispose();
    await Promise.all([mt.close(), agent.close(), base.close()]);
  }
});
