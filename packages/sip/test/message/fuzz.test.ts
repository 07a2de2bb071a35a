// Fuzz: random and mutated messages through parseMessage, every accessor and serialize.
// Seeded PRNG, so a failure is reproducible; the seed and case index are in the assertion message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage, StreamFramer, type SipRequest, type SipResponse } from '../../src/index.js';
import { VECTORS, vectorBytes } from './rfc4475-vectors.js';
import { seededRandom } from '@beckon/testkit';

const SEED = 0x5eed4475;
const CASES = 100_000;

const corpus: Buffer[] = VECTORS.map(vectorBytes);
const SPECIAL = [
  ',',
  ';',
  '"',
  '<',
  '>',
  ':',
  '%',
  '\r\n',
  ' ',
  '\\',
  '=',
  '?',
  '@',
  '[',
  ']',
  '\r\n ',
  '*',
  '/',
];

function mutate(rnd: () => number, pick: (n: number) => number): Buffer {
  const base = corpus[pick(corpus.length)] as Buffer;
  const kind = pick(8);
  switch (kind) {
    case 0: {
      // bit flips
      const b = Buffer.from(base);
      const flips = 1 + pick(8);
      for (let i = 0; i < flips; i++) {
        const at = pick(b.length);
        b[at] = (b[at] as number) ^ (1 << pick(8));
      }
      return b;
    }
    case 1:
      return base.subarray(0, pick(base.length + 1)); // truncation
    case 2: {
      // duplicate a header line
      const lines = base.toString('latin1').split('\r\n');
      const i = 1 + pick(Math.max(1, lines.length - 2));
      lines.splice(i + pick(3), 0, lines[i] ?? '');
      return Buffer.from(lines.join('\r\n'), 'latin1');
    }
    case 3: {
      // delete a line
      const lines = base.toString('latin1').split('\r\n');
      lines.splice(pick(lines.length), 1);
      return Buffer.from(lines.join('\r\n'), 'latin1');
    }
    case 4: {
      // insert grammar-significant characters
      let s = base.toString('latin1');
      const n = 1 + pick(5);
      for (let i = 0; i < n; i++) {
        const at = pick(s.length);
        s = s.slice(0, at) + SPECIAL[pick(SPECIAL.length)] + s.slice(at + (rnd() < 0.5 ? 1 : 0));
      }
      return Buffer.from(s, 'latin1');
    }
    case 5: {
      // random bytes spliced in
      const b = Buffer.from(base);
      const at = pick(b.length);
      const junk = Buffer.alloc(1 + pick(16));
      for (let i = 0; i < junk.length; i++) junk[i] = pick(256);
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
    }
    case 6: {
      // splice lines from another message
      const other = (corpus[pick(corpus.length)] as Buffer).toString('latin1').split('\r\n');
      const lines = base.toString('latin1').split('\r\n');
      lines.splice(1 + pick(lines.length), 0, other[pick(other.length)] ?? '');
      return Buffer.from(lines.join('\r\n'), 'latin1');
    }
    default: {
      // fully random bytes, sometimes with a plausible start line
      const junk = Buffer.alloc(pick(200));
      for (let i = 0; i < junk.length; i++) junk[i] = pick(256);
      return rnd() < 0.5 ? junk : Buffer.concat([Buffer.from('INVITE sip:a@b SIP/2.0\r\n'), junk]);
    }
  }
}

function exercise(m: SipRequest | SipResponse): void {
  const vias = m.tryVias();
  if (vias.ok) m.vias();
  m.topVia();
  if (m.tryFrom().ok) m.from();
  if (m.tryTo().ok) m.to();
  if (m.tryCSeq().ok) m.cseq();
  if (m.tryCallId().ok) void m.callId;
  void m.fromTag;
  void m.toTag;
  if (m.tryContacts().ok) m.contacts();
  m.maxForwards();
  m.expires();
  void m.contentType;
  for (const h of ['Via', 'Route', 'Record-Route', 'Contact', 'Supported', 'Accept', 'x-unknown'])
    m.getAll(h);
  if (m.kind === 'request') {
    void m.uri;
    void m.rawUri;
  } else {
    void m.status;
    void m.reason;
  }
  const out = m.serialize();
  const again = parseMessage(out);
  if (!again.ok) throw new Error(`round trip failed: ${again.error.code} ${again.error.reason}`);
}

void test(`fuzz: ${CASES} random and mutated messages never throw`, () => {
  const rnd = seededRandom(SEED);
  const pick = (n: number): number => Math.floor(rnd() * n);
  let ok = 0;
  for (let i = 0; i < CASES; i++) {
    const input = mutate(rnd, pick);
    try {
      const r = parseMessage(input);
      if (r.ok) {
        ok++;
        exercise(r.message);
      } else {
        assert.equal(typeof r.error.code, 'string');
      }
    } catch (e) {
      assert.fail(
        `case ${i} (seed ${SEED}) threw: ${(e as Error).stack}\ninput: ${JSON.stringify(input.toString('latin1'))}`,
      );
    }
  }
  // sanity: the mutations keep a fair share of valid messages
  assert.ok(ok > CASES / 10, `only ${ok} valid`);
});

void test('fuzz: stream framer with random chunking never throws and re-frames the stream', () => {
  const rnd = seededRandom(SEED + 1);
  const pick = (n: number): number => Math.floor(rnd() * n);
  // canonical serializations: Content-Length always matches the body
  const valid: Buffer[] = [];
  for (const b of corpus) {
    const r = parseMessage(b);
    if (r.ok) valid.push(r.message.serialize());
  }
  for (let round = 0; round < 500; round++) {
    const msgs: Buffer[] = [];
    for (let i = 0; i < 5; i++) msgs.push(valid[pick(valid.length)] as Buffer);
    // random garbage stream too: must not throw
    const junk = Buffer.alloc(pick(300));
    for (let i = 0; i < junk.length; i++) junk[i] = pick(256);
    new StreamFramer({ maxMessageSize: 1000 }).push(junk);
    const stream = Buffer.concat(msgs.flatMap((m) => [Buffer.from(pick(3) === 0 ? '\r\n\r\n' : ''), m]));
    const f = new StreamFramer();
    const got: Buffer[] = [];
    let pos = 0;
    while (pos < stream.length) {
      const n = 1 + pick(200);
      for (const item of f.push(stream.subarray(pos, pos + n))) {
        if (item.kind === 'message') got.push(item.data);
        else assert.notEqual(item.kind, 'error');
      }
      pos += n;
    }
    assert.deepEqual(got, msgs);
    for (const g of got) assert.ok(parseMessage(g, { requireContentLength: true }).ok);
  }
});
