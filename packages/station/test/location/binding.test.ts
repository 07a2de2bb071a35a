import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSnapshot } from 'node:v8';
import { makeBindingRecord, type Binding, type BindingRecord } from '../../src/location/binding.js';

const NOW = 1_800_000_000_000;

function binding(over: Partial<Binding> = {}): Binding {
  return {
    aor: 'sip:alice@example.net',
    contact: 'sip:alice@192.0.2.7:5060;transport=udp',
    contactParams: { '+sip.instance': '"<urn:uuid:00000000-0000-1000-8000-0004f2a1b2c3>"' },
    instrument: '0004f2a1b2c3',
    authUser: 'alice',
    callId: 'a84b4c76e66710@pc33.example.net',
    cseq: 1,
    expiresAt: NOW + 3_600_000,
    receivedAt: NOW,
    path: ['<sip:edge.example.net;lr>'],
    flow: {
      transport: 'udp',
      localAddress: '127.0.0.1',
      localPort: 5060,
      remoteAddress: '192.0.2.7',
      remotePort: 5060,
    },
    userAgent: 'Yealink SIP-T46S 66.85.0.5',
    ...over,
  };
}

/** Sizes of the strings in this process's heap (a snapshot collects garbage first). */
async function heapStringSizes(): Promise<number[]> {
  let text = '';
  for await (const chunk of getHeapSnapshot()) text += String(chunk);
  const snap = JSON.parse(text) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const t = fields.indexOf('type');
  const size = fields.indexOf('self_size');
  const out: number[] = [];
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + t] as number] as string;
    if (type === 'string' || type === 'sliced string' || type === 'concatenated string')
      out.push(snap.nodes[i + size] as number);
  }
  return out;
}

/** Two records (a registration and its refresh) whose strings were all cut from one big text, now gone. */
function recordsCutFromText(): BindingRecord[] {
  const pad = 'x'.repeat(400_000);
  // Every string field a slice or a concatenation of one big text (as the registrar's are of a message).
  const text = `${pad}|sip:alice@example.net|sip:alice@192.0.2.7:5060|call-id-0123456789|alice-the-user|${pad}`;
  const part = (s: string): string => {
    const at = text.indexOf(s);
    return text.slice(at, at + s.length);
  };
  const first = makeBindingRecord(
    binding({
      aor: part('sip:alice@example.net'),
      contact: part('sip:alice@192.0.2.7:5060') + ';transport=udp',
      callId: part('call-id-0123456789'),
      authUser: part('alice-the-user'),
      path: [part('sip:alice@example.net') + ';lr'],
    }),
    part('sip:alice@192.0.2.7:5060'),
    1,
    1,
  );
  // A refresh whose new values are slices of the same text too (equal ones and a new Call-ID).
  const refreshed = makeBindingRecord(
    binding({
      aor: part('sip:alice@example.net'),
      contact: part('sip:alice@192.0.2.7:5060') + ';transport=udp',
      callId: part('call-id-0123456789') + '-2',
      cseq: 2,
      authUser: part('alice-the-user'),
    }),
    part('sip:alice@192.0.2.7:5060'),
    1,
    1,
    first,
  );
  return [first, refreshed];
}

void test('a stored record keeps no part of the text its strings were cut from', async () => {
  const records = recordsCutFromText();
  const sizes = await heapStringSizes();
  assert.ok(
    sizes.every((s) => s < 400_000),
    `a string of ${Math.max(...sizes)} bytes is still in the heap`,
  );
  // Still referenced while the heap was inspected.
  assert.equal(records[1]?.callId, 'call-id-0123456789-2');
  assert.equal(records[0]?.aor, 'sip:alice@example.net');
});

void test('a refresh takes every value equal to the prior record from it', () => {
  const prior = makeBindingRecord(binding(), 'k1', 3, 9);
  const next = makeBindingRecord(
    binding({
      callId: 'another-call@pc33',
      cseq: 7,
      expiresAt: NOW + 7_200_000,
      receivedAt: NOW + 5,
      contactParams: { '+sip.instance': '"<urn:uuid:00000000-0000-1000-8000-0004f2a1b2c3>"' },
      path: ['<sip:edge.example.net;lr>'],
      flow: { ...(binding().flow as NonNullable<Binding['flow']>) },
    }),
    'k1',
    3,
    9,
    prior,
  );
  assert.equal(next.contactParams, prior.contactParams);
  assert.equal(next.path, prior.path);
  assert.equal(next.flow, prior.flow);
  assert.deepEqual(
    { callId: next.callId, cseq: next.cseq, expiresAt: next.expiresAt, receivedAt: next.receivedAt },
    { callId: 'another-call@pc33', cseq: 7, expiresAt: NOW + 7_200_000, receivedAt: NOW + 5 },
  );
  // Same fields in the same order as a record made without a prior (one hidden class).
  assert.deepEqual(Object.keys(next), Object.keys(makeBindingRecord(binding(), 'k1', 3, 9)));

  // Values that differ are the new ones.
  const moved = makeBindingRecord(
    binding({
      contactParams: { q: '0.5' },
      path: ['<sip:other.example.net;lr>'],
      flow: { ...(binding().flow as NonNullable<Binding['flow']>), remotePort: 5062 },
      userAgent: 'Yealink SIP-T46S 66.86.0.10',
    }),
    'k1',
    3,
    9,
    prior,
  );
  assert.deepEqual(moved.contactParams, { q: '0.5' });
  assert.deepEqual(moved.path, ['<sip:other.example.net;lr>']);
  assert.equal(moved.flow?.remotePort, 5062);
  assert.equal(moved.userAgent, 'Yealink SIP-T46S 66.86.0.10');
  assert.equal(moved.contactKey, 'k1');
});
