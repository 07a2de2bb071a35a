/**
 * Seed 000 §4.8: "When a security association (e.g. TLS) is used, the notifier SHOULD send the NOTIFY
 * message over the same security association as the SUBSCRIBE request was received." A subscription made
 * over TLS gets its empty and its non-empty NOTIFY over that TLS connection.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawDevice, startStation, until } from './fixtures.js';

let dir = '';
let tls: { key: string; cert: string } | undefined;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'beckon-tls-notify-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
        .concat(['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'])
        .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
      { stdio: 'ignore' },
    );
    tls = {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch {
    tls = undefined;
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

void test('a subscription made over TLS receives its NOTIFYs over the same TLS connection', async (t) => {
  if (!tls) return t.skip('openssl not available');
  const station = await startStation({ tls });
  const dev = await rawDevice(tls);
  try {
    const uri = 'sip:MAC%3aFF00000036C5@example.com';
    const req = dev.endpoint.createRequest('SUBSCRIBE', uri, {
      from: `<${uri}>`,
      to: `<${uri}>`,
      contact: `<sip:MAC%3aFF00000036C5@127.0.0.1:${dev.port('tls')};transport=tls>`,
      headers: [
        ['Event', 'management-req'],
        ['Content-Type', 'application/mgmt-protos-list'],
      ],
      body: 'snmp-ssh',
    });
    const res = await dev.endpoint.request(req, {
      transport: 'tls',
      address: '127.0.0.1',
      port: station.port('tls'),
    });
    assert.equal(res.status, 200);
    await until(() => dev.notifies.length === 1, 'empty NOTIFY');
    const r = await station.service.request({ target: 'ff00000036c5' });
    assert.ok(r.ok);
    await until(() => dev.notifies.length === 2, 'request NOTIFY');
    for (const n of dev.notifies) {
      assert.equal(n.flow.transport, 'tls');
      assert.equal(n.flow.secure, true);
    }
    assert.equal(dev.notifies[0]?.flow.id, dev.notifies[1]?.flow.id);
  } finally {
    await station.stop();
    await dev.endpoint.stop();
  }
});
