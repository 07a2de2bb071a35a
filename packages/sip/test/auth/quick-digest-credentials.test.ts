import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@beckon/testkit';
import {
  parseDigestCredentials,
  parseDigestCredentialsFully,
  quickDigestCredentials,
  type DigestCredentials,
} from '../../src/auth/digest-header.js';

const FIELDS = ['username', 'realm', 'nonce', 'uri', 'response', 'algorithm', 'userhash'] as const;
const OPTIONAL = ['cnonce', 'opaque', 'qop', 'nc'] as const;

/** The quick result equals the full parser's, field by field and in its parameter map. */
function assertSame(quick: DigestCredentials, value: string): void {
  const full = parseDigestCredentialsFully(value);
  assert.ok(full.ok, `quick path accepted what the full parser refuses: ${JSON.stringify(value)}`);
  for (const f of FIELDS) assert.equal(quick[f], full.value[f], `${f} of ${JSON.stringify(value)}`);
  for (const f of OPTIONAL) {
    assert.equal(quick[f], full.value[f], `${f} of ${JSON.stringify(value)}`);
    assert.equal(f in quick, f in full.value, `presence of ${f} in ${JSON.stringify(value)}`);
  }
  assert.deepEqual([...quick.params], [...full.value.params]);
}

const COMMON =
  'Digest username="u0000001", realm="bench.local", nonce="AAABogAtVdJKcSID7KFmwQpyPJceOpLjv16p2pkt634", ' +
  'uri="sip:bench.local", response="dc344d3541faff95234737a8ee78032d", algorithm=MD5, cnonce="lmyAOn7Z", qop=auth, nc=00000001';

void test('quick digest credentials: the common forms (SIPp, baresip, Linphone-like) take the quick path', () => {
  const forms = [
    COMMON,
    // the scheme in any case (RFC 3261 §25.1: case-insensitive)
    COMMON.replace('Digest', 'DIGEST'),
    // baresip: no spaces after the commas, quoted qop absent, algorithm last
    'Digest username="alice",realm="example.net",nonce="n1",uri="sip:example.net",response="0123456789abcdef0123456789abcdef",cnonce="c1",qop=auth,nc=00000002,algorithm=MD5',
    // no qop (RFC 2069 compatibility), with opaque
    'Digest username="bob", realm="r", nonce="n", uri="sip:r", response="ab", opaque="xyz"',
    'Digest username="1001/0004f2abcdef", realm="pbx.example", nonce="n", uri="sip:pbx.example", response="cd", algorithm=SHA-256, cnonce="x", qop=auth, nc=00000001, userhash=false',
  ];
  for (const v of forms) {
    const q = quickDigestCredentials(v);
    assert.ok(q, v);
    assertSame(q, v);
  }
});

void test('quick digest credentials: other forms are left to the full parser, with its answer', () => {
  const cases: [string, string][] = [
    ['two spaces', COMMON.replace('Digest ', 'Digest  ')],
    ['escape', COMMON.replace('u0000001', 'u\\"1')],
    ['unknown parameter', COMMON + ', foo=bar'],
    ['upper-case name', COMMON.replace('realm=', 'Realm=')],
    ['space before =', COMMON.replace('realm=', 'realm =')],
    ['duplicate', COMMON + ', nc=00000002'],
    ['missing response', COMMON.replace(/response="[^"]*", /, '')],
    ['qop without nc', COMMON.replace(', nc=00000001', '')],
    ['trailing comma', COMMON + ','],
    ['unterminated quote', 'Digest username="u'],
    ['Basic', 'Basic dTpw'],
  ];
  for (const [what, v] of cases) {
    assert.equal(quickDigestCredentials(v), undefined, what);
    assert.deepEqual(parseDigestCredentials(v), parseDigestCredentialsFully(v), what);
  }
});

/**
 * The property: whenever the quick path accepts a value, the full parser accepts it too with the same
 * fields and parameters. Values: the common form varied (order, spacing, quoting, optional parameters),
 * then mutated character by character, so that many are near misses.
 */
void test('quick digest credentials: equals the full parser on 20,000 generated and mutated values', () => {
  const rnd = seededRandom(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const vary = <T>(xs: readonly T[]): T => (rnd() < 0.8 ? (xs[0] as T) : pick(xs));
  const INSERTS = [' ', ',', '"', '=', '\\', '\t', '\r\n', 'x', '\x80', '\x00', 'é', ', ', '""', 'Digest '];
  let quick = 0;
  for (let i = 0; i < 20_000; i++) {
    const params = [
      'username=' + vary(['"u' + i + '"', 'u' + i, '""', '"a/b c"']),
      'realm=' + vary(['"bench.local"', 'bench.local', '"r,s"']),
      'nonce=' + vary(['"N' + i + '"', 'N' + i]),
      'uri=' + vary(['"sip:bench.local"', 'sip:bench.local']),
      'response=' + vary(['"0123abcd"', '0123abcd']),
    ];
    if (rnd() < 0.8) params.push('algorithm=' + vary(['MD5', '"SHA-256"', 'md5-sess']));
    if (rnd() < 0.8)
      params.push(
        'cnonce=' + vary(['"c' + i + '"', 'c']),
        'qop=' + vary(['auth', '"auth"', 'auth-int']),
        'nc=' + vary(['00000001', '"00000002"']),
      );
    if (rnd() < 0.2) params.push('opaque=' + vary(['"o"', 'o']));
    if (rnd() < 0.1) params.push('userhash=' + vary(['true', '"TRUE"', 'false']));
    if (rnd() < 0.05) params.push(pick(['stale=true', 'X=1', 'username="again"']));
    for (let k = params.length - 1; k > 0; k--)
      if (rnd() < 0.3) {
        const j = Math.floor(rnd() * (k + 1));
        [params[k], params[j]] = [params[j] as string, params[k] as string];
      }
    let v =
      vary(['Digest ', 'digest ', 'Digest  ', ' Digest ']) + params.join(vary([', ', ',', ' , ', ',,']));
    const mutations = rnd() < 0.5 ? 0 : 1 + Math.floor(rnd() * 3);
    for (let m = 0; m < mutations; m++) {
      const at = Math.floor(rnd() * (v.length + 1));
      const r = rnd();
      if (r < 0.4) v = v.slice(0, at) + pick(INSERTS) + v.slice(at);
      else if (r < 0.8) v = v.slice(0, at) + v.slice(at + 1);
      else v = v.slice(0, at) + pick(INSERTS) + v.slice(at + 1);
    }
    const q = quickDigestCredentials(v);
    if (q === undefined) continue;
    quick++;
    assertSame(q, v);
  }
  // Enough of the generated values take the quick path for the comparison to mean something.
  assert.ok(quick > 5_000, `only ${quick} values took the quick path`);
});
