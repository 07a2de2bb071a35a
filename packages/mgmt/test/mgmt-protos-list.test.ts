import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeProtosList,
  decodeProtosNotify,
  encodeProtosList,
  PROTOS_LIST_LIMITS,
  protoParam,
  type ProtosListErrorCode,
} from '@beckon/mgmt';

/** Golden documents: input -> canonical encoding of what it decodes to. */
const GOOD: [string, string][] = [
  ['snmp-ssh', 'snmp-ssh'],
  ['SNMP-SSH', 'snmp-ssh'],
  ['snmp-ssh, snmp-tls', 'snmp-ssh, snmp-tls'],
  ['snmp-ssh\r\nsnmp-tls\r\n', 'snmp-ssh, snmp-tls'],
  ['snmp-ssh\nsnmp-tcp\n', 'snmp-ssh, snmp-tcp'],
  ['# device protocols\r\nsnmp-ssh  # preferred\r\n\tsnmp-udp\r\n', 'snmp-ssh, snmp-udp'],
  ['  snmp-ssh ,, snmp-tls  ', 'snmp-ssh, snmp-tls'],
  ['vendor.v2-tcp+tls', 'vendor.v2-tcp+tls'],
  [
    'snmp-ssh;addr=192.0.2.1:4334;via=tcp;req=AAAAAAAAAAAAAAAAAAAAAA',
    'snmp-ssh;addr=192.0.2.1:4334;via=tcp;req=AAAAAAAAAAAAAAAAAAAAAA',
  ],
  ['snmp-ssh ; ADDR = [2001:db8::1]:4334', 'snmp-ssh;addr=[2001:db8::1]:4334'],
  ['snmp-tls;note="a b, c\\"d"', 'snmp-tls;note="a b, c\\"d"'],
  ['snmp-tls;flag', 'snmp-tls;flag'],
];

const BAD: [string, ProtosListErrorCode][] = [
  ['', 'empty'],
  ['  \r\n# only a comment\r\n', 'empty'],
  ['snmp', 'missing-transport'],
  ['snmp-', 'missing-transport'],
  ['-ssh', 'bad-token'],
  ['snmp-ssh-x', 'bad-token'],
  ['snmp-ssh snmp-tls', 'bad-character'],
  ['snmp-ssh;', 'bad-param'],
  ['snmp-ssh;a=', 'bad-param'],
  ['snmp-ssh;a="x', 'unterminated-quote'],
  ['snmp-ssh;a="x\r\ny"', 'unterminated-quote'],
  ['snmp-ssh;a=1;A=2', 'duplicate-param'],
  ['snmp-ssh, SNMP-SSH', 'duplicate-protocol'],
  ['snmp-ssh\rsnmp-tls', 'bad-character'],
  ['snmp-ssh\u00e9', 'bad-character'],
  ['x-vendor-tcp', 'bad-token'],
  ['snm\u00e9p-ssh', 'missing-transport'],
  ['a'.repeat(40) + '-' + 'b'.repeat(40), 'token-too-long'],
  [Array.from({ length: 33 }, (_, i) => `p${i}-tcp`).join(','), 'too-many-entries'],
  ['snmp-ssh' + Array.from({ length: 17 }, (_, i) => `;p${i}`).join(''), 'too-many-params'],
  ['snmp-ssh;v=' + 'x'.repeat(300), 'value-too-long'],
  ['snmp-ssh,' + ' '.repeat(5000), 'too-large'],
];

void describe('application/mgmt-protos-list codec', () => {
  for (const [input, canonical] of GOOD) {
    void test(`decodes ${JSON.stringify(input)}`, () => {
      const r = decodeProtosList(input);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      const enc = encodeProtosList(r.value);
      assert.ok(enc.ok);
      assert.equal(enc.value, canonical);
      // Symmetric: the canonical form decodes to the same entries.
      const again = decodeProtosList(enc.value);
      assert.ok(again.ok);
      assert.deepEqual(again.value, r.value);
    });
  }

  for (const [input, code] of BAD) {
    void test(`refuses ${JSON.stringify(input.length > 40 ? input.slice(0, 40) + '...' : input)} with ${code}`, () => {
      const r = decodeProtosList(input);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.error.code, code, r.error.message);
        assert.ok(r.error.offset >= 0);
        assert.ok(r.error.message.length > 0);
      }
    });
  }

  void test('entries keep order, protocol and transport parts, unknown tokens', () => {
    const r = decodeProtosList('vndx-tcp, snmp-ssh, snmp-tls');
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.map((e) => [e.token, e.protocol, e.transport]),
      [
        ['vndx-tcp', 'vndx', 'tcp'],
        ['snmp-ssh', 'snmp', 'ssh'],
        ['snmp-tls', 'snmp', 'tls'],
      ],
    );
  });

  void test('bytes are decoded as ASCII (non-ASCII bytes refused)', () => {
    assert.ok(decodeProtosList(Buffer.from('snmp-ssh')).ok);
    const r = decodeProtosList(Buffer.from([0x73, 0x6e, 0x6d, 0x70, 0x2d, 0x73, 0xff]));
    assert.equal(r.ok, false);
  });

  void test('NOTIFY body: exactly one entry, parameters readable', () => {
    const n = decodeProtosNotify('snmp-ssh;addr=127.0.0.1:4334;via=tcp;req=abcdefghijklmnopqrstuv');
    assert.ok(n.ok);
    assert.equal(protoParam(n.value, 'ADDR'), '127.0.0.1:4334');
    assert.equal(protoParam(n.value, 'missing'), undefined);
    const two = decodeProtosNotify('snmp-ssh, snmp-tls');
    assert.equal(two.ok, false);
    if (!two.ok) assert.equal(two.error.code, 'not-single');
  });

  void test('encoder refuses what would not decode', () => {
    assert.equal(encodeProtosList([]).ok, false);
    assert.equal(encodeProtosList([{ token: 'snmp' }]).ok, false);
    assert.equal(encodeProtosList([{ token: 'snmp-ssh', params: [['bad name', 'x']] }]).ok, false);
    assert.equal(encodeProtosList([{ token: 'snmp-ssh', params: [['v', 'caf\u00e9']] }]).ok, false);
    const q = encodeProtosList([{ token: 'snmp-ssh', params: [['v', 'a"b\\c d']] }]);
    assert.ok(q.ok);
    assert.equal(q.value, 'snmp-ssh;v="a\\"b\\\\c d"');
  });

  void test('fuzz: random documents never throw; accepted ones round-trip', () => {
    // Deterministic PRNG (xorshift32) so failures reproduce.
    let x = 0x9e3779b9;
    const rnd = (n: number): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    const alphabet = 'snmp-sshtlcudp,;=" \t\r\n#\\[]:.+_~xyz0123456789\u00ff';
    const pieces = ['snmp-ssh', 'snmp-tls', ';addr=1.2.3.4:5', ';req="q q"', ', ', '\r\n', '#c\n', ';f'];
    let accepted = 0;
    for (let i = 0; i < 20000; i++) {
      let s = '';
      const len = rnd(40);
      for (let j = 0; j < len; j++)
        s += rnd(4) === 0 ? (pieces[rnd(pieces.length)] as string) : alphabet[rnd(alphabet.length)];
      const r = decodeProtosList(s);
      if (!r.ok) {
        assert.ok(r.error.offset >= 0 && r.error.offset <= Math.max(s.length, PROTOS_LIST_LIMITS.maxBytes));
        continue;
      }
      accepted++;
      const enc = encodeProtosList(r.value);
      assert.ok(enc.ok, `accepted document does not re-encode: ${JSON.stringify(s)}`);
      const back = decodeProtosList(enc.value);
      assert.ok(back.ok);
      assert.deepEqual(back.value, r.value, JSON.stringify(s));
    }
    assert.ok(accepted > 100, `fuzz accepted only ${accepted} documents`);
  });
});
