import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { CallHomeListener, type CallHomeMatcher } from '../../src/management/call-home-listener.js';
import type { CallHomeSession } from '../../src/management/call-home-session-handler.js';
import { encodeHello, LineCollector, parseReplyLine } from '@beckon/mgmt';

let dir = '';
let key = '';
let cert = '';
let haveOpenssl = true;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'beckon-ch-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
        .concat(['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'])
        .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
      { stdio: 'ignore' },
    );
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  } catch {
    haveOpenssl = false;
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

const ID = 'abcdefghijklmnopqrstuv';

void test('TLS call-home: hello matched over TLS, session handed over with the extra bytes; unknown id refused', async (t) => {
  if (!haveOpenssl) return t.skip('openssl not available');
  const sessions: CallHomeSession[] = [];
  const ended: { groupId: string; ok: boolean }[] = [];
  const matcher: CallHomeMatcher = {
    matchCallHome: (h) =>
      h.requestId === ID
        ? { ok: true, session: { groupId: 'g1', device: 'inst:x', protocol: h.protocol, requestIds: ['r1'] } }
        : { ok: false, status: 403, reason: 'Unknown Request' },
    sessionEnded: (groupId, o) => void ended.push({ groupId, ok: o.ok }),
  };
  const metrics = new MetricsRegistry();
  const listener = new CallHomeListener(
    {
      log: silentLogger(),
      metrics,
      matcher,
      sessions: {
        handle(s) {
          sessions.push(s);
          s.socket.end();
          return Promise.resolve({ ok: true });
        },
      },
    },
    { tls: { host: '127.0.0.1', port: 0, key, cert } },
  );
  const addrs = await listener.start();
  const port = addrs.tls?.port ?? 0;
  const hello = (id: string): Promise<number | undefined> =>
    new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port, ca: cert }, () => {
        const f = encodeHello({ requestId: id, protocol: 'snmp-tls', device: 'x' });
        if (!f.ok) throw new Error(f.error);
        s.write(Buffer.concat([f.value, Buffer.from('SNMP')]));
      });
      const lc = new LineCollector();
      s.on('data', (c: Buffer) => {
        const r = lc.push(c);
        if (r.kind === 'line') {
          const p = parseReplyLine(r.line);
          s.destroy();
          resolve(p.ok ? p.value.status : undefined);
        }
      });
      s.on('error', () => resolve(undefined));
    });
  try {
    assert.equal(await hello('ZZZZZZZZZZZZZZZZZZZZZZ'), 403);
    assert.equal(await hello(ID), 200);
    const deadline = Date.now() + 5000;
    while (ended.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0]?.secure, true);
    assert.deepEqual(ended, [{ groupId: 'g1', ok: true }]);
    const c = metrics.get('mgmt_callhome_connections');
    assert.ok(c && c.kind === 'counter' && c.get('refused') === 1 && c.get('matched') === 1);
  } finally {
    await listener.stop();
  }
});
