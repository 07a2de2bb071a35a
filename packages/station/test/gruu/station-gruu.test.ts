// GRUUs end to end (RFC 5627): two phones register one AOR with their instance IDs and Supported: gruu;
// the 200 gives each contact its pub-gruu and temp-gruu; requests for a GRUU reach that one phone; a
// temporary GRUU ends when its phone registers again with another Call-ID; GRUUs survive a restart when
// the key is configured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type BeckonConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import type { SipResponse, SipUri } from '@beckon/sip';
import { Station } from '../../src/index.js';
import { Ua, req } from '../proxy/proxy-ua.js';

const KEY = 'ab'.repeat(32);

function config(dir: string, gruu: BeckonConfig['registrar']['gruu']): BeckonConfig {
  const c = defaultConfig();
  return {
    ...c,
    sip: { ...c.sip, domain: 'example.net', listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    registrar: { ...c.registrar, gruu },
    storage: { ...c.storage, driver: 'sqlite', sqlitePath: join(dir, 'beckon.db') },
  };
}

const instanceOf = (t: string): string => `urn:uuid:f81d4fa${t}-7dec-11d0-a765-00a0c91e6bf6`;

/** pub-gruu and temp-gruu of the Contact of `port` in a 200. */
function gruusOf(res: SipResponse, port: number): { pub?: string; temp?: string } {
  const row = res.getRows('contact').find((c) => c.includes(`127.0.0.1:${port}`)) ?? '';
  return {
    ...(/pub-gruu="([^"]+)"/.exec(row)?.[1] ? { pub: /pub-gruu="([^"]+)"/.exec(row)![1]! } : {}),
    ...(/temp-gruu="([^"]+)"/.exec(row)?.[1] ? { temp: /temp-gruu="([^"]+)"/.exec(row)![1]! } : {}),
  };
}

async function register(
  station: Station,
  ua: Ua,
  t: string,
  extra: string[],
  callId?: string,
): Promise<SipResponse> {
  const port = station.listeners()[0]!.port;
  return ua.request(
    port,
    req(
      'REGISTER',
      'sip:alice@example.net',
      ua,
      [
        `Contact: <sip:alice@127.0.0.1:${ua.port}>;+sip.instance="<${instanceOf(t)}>"`,
        'Expires: 600',
        ...extra,
      ],
      'alice',
      callId,
    ),
  );
}

void test('GRUUs: issued with Supported: gruu, routed to one instance, temp ones end with a new Call-ID', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-gruu-'));
  const station = new Station(
    { log: silentLogger(), metrics: new MetricsRegistry() },
    config(dir, { enabled: true, key: KEY }),
    { authenticate: false },
  );
  await station.start();
  const port = station.listeners()[0]!.port;
  const deskA = await Ua.open(200);
  const deskB = await Ua.open(200);
  const caller = await Ua.open();
  try {
    // Without Supported: gruu there are none.
    const plain = await register(station, deskA, 'a', [], 'call-a');
    assert.equal(plain.status, 200);
    assert.deepEqual(gruusOf(plain, deskA.port), {});
    const ra = await register(station, deskA, 'a', ['Supported: gruu'], 'call-a');
    const rb = await register(station, deskB, 'b', ['Supported: gruu', 'Require: gruu'], 'call-b');
    assert.equal(ra.status, 200);
    assert.equal(rb.status, 200, 'Require: gruu is understood');
    const a = gruusOf(ra, deskA.port);
    const b = gruusOf(rb, deskB.port);
    assert.equal(a.pub, `sip:alice@example.net;gr=${instanceOf('a')}`);
    assert.match(a.temp ?? '', /^sip:tgruu\.[A-Za-z0-9_-]+@example\.net;gr$/);
    assert.ok(gruusOf(rb, deskA.port).pub, 'every listed contact with an instance gets its GRUUs');

    // The AOR forks to both; each GRUU reaches one desk only.
    const send = async (uri: string): Promise<number> =>
      (await caller.request(port, req('OPTIONS', uri, caller))).status;
    const counts = (): [number, number] => [deskA.received.length, deskB.received.length];
    let before = counts();
    assert.equal(await send(b.pub!), 200);
    assert.deepEqual(counts(), [before[0], before[1] + 1]);
    before = counts();
    assert.equal(await send(a.temp!), 200);
    assert.deepEqual(counts(), [before[0] + 1, before[1]]);
    // Retargeted to the contact (RFC 5627 §6: the GRUU is replaced like any AOR).
    assert.equal((deskA.received.at(-1)!.uri as SipUri).port, deskA.port);

    // Errors: an instance that is not registered (480), a forged temporary GRUU (404).
    assert.equal(await send(`sip:alice@example.net;gr=${instanceOf('c')}`), 480);
    assert.equal(await send('sip:tgruu.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@example.net;gr'), 404);
    assert.equal(await send(`sip:nobody@example.net;gr=${instanceOf('a')}`), 404);

    // Desk A registers again with another Call-ID: its old temporary GRUU ends, the new one and the
    // public one route.
    const ra2 = await register(station, deskA, 'a', ['Supported: gruu'], 'call-a2');
    const a2 = gruusOf(ra2, deskA.port);
    assert.notEqual(a2.temp, a.temp);
    assert.equal(await send(a.temp!), 404);
    before = counts();
    assert.equal(await send(a2.temp!), 200);
    assert.equal(await send(a.pub!), 200);
    assert.deepEqual(counts(), [before[0] + 2, before[1]]);

    // Restart with the same key: the temporary GRUU still routes (bindings and key both survive).
    await station.stop();
    const keep = config(dir, { enabled: true, key: KEY });
    const again = new Station(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      { ...keep, sip: { ...keep.sip, listen: [{ transport: 'udp', host: '127.0.0.1', port }] } },
      { authenticate: false },
    );
    await again.start();
    try {
      before = counts();
      assert.equal(await send(a2.temp!), 200);
      assert.deepEqual(counts(), [before[0] + 1, before[1]]);
    } finally {
      await again.stop();
    }
  } finally {
    deskA.close();
    deskB.close();
    caller.close();
    await station.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('GRUUs off: no pub-gruu, Require: gruu is refused with 420', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-gruu-off-'));
  const station = new Station(
    { log: silentLogger(), metrics: new MetricsRegistry() },
    config(dir, { enabled: false }),
    { authenticate: false },
  );
  await station.start();
  const desk = await Ua.open(200);
  try {
    const r = await register(station, desk, 'a', ['Supported: gruu']);
    assert.equal(r.status, 200);
    assert.deepEqual(gruusOf(r, desk.port), {});
    const refused = await register(station, desk, 'a', ['Require: gruu']);
    assert.equal(refused.status, 420);
    assert.equal(refused.get('unsupported'), 'gruu');
  } finally {
    desk.close();
    await station.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
