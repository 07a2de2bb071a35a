import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import {
  CertToTsnTable,
  commonName,
  fingerprintAlgorithm,
  formatTlsFingerprint,
  parseTlsFingerprint,
  subjectAltNames,
  tlsFingerprint,
  type PresentedChain,
} from '../../src/index.js';
import { TestPki, type TestCert } from '@beckon/testkit';

let pki: TestPki;
let ca: TestCert;
let leaf: TestCert;
let ipLeaf: TestCert;
let bare: TestCert;

before(() => {
  pki = new TestPki({ keyType: 'rsa', dirPrefix: 'beckon-tm-pki-' });
  ca = pki.ca('unit-ca');
  leaf = pki.leaf(
    'leaf',
    ca,
    'Device-CN',
    'email:Ops.Team@Example.COM,DNS:Device-1.Example.NET,IP:192.0.2.7',
  );
  ipLeaf = pki.leaf('ip', ca, 'ip-only', 'IP:2001:db8::1');
  bare = pki.leaf('bare', ca, 'averyveryveryverylongcommonname-over-32-octets', 'URI:urn:x');
});
after(() => pki.dispose());

function chain(c: TestCert, validated: boolean, withCa = true): PresentedChain {
  const certs = [{ der: new X509Certificate(c.cert).raw, x509: new X509Certificate(c.cert) }];
  if (withCa) certs.push({ der: new X509Certificate(ca.cert).raw, x509: new X509Certificate(ca.cert) });
  return { certs, pathValidated: validated };
}

void test('SnmpTLSFingerprint: SHA-256 of the DER with hash algorithm octet 4; parse and format', () => {
  const der = new X509Certificate(leaf.cert).raw;
  const fp = tlsFingerprint(der);
  assert.equal(fp[0], 4);
  assert.ok(fp.subarray(1).equals(createHash('sha256').update(der).digest()));
  assert.equal(fingerprintAlgorithm(fp), 'sha256');
  const text = formatTlsFingerprint(fp);
  assert.match(text, /^sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.ok(parseTlsFingerprint(text)?.equals(fp));
  assert.ok(parseTlsFingerprint(leaf.netSnmpFingerprint)?.equals(fp), 'bare 32-octet hex = SHA-256');
  assert.ok(parseTlsFingerprint(fp.toString('hex'))?.equals(fp), 'MIB form with algorithm octet');
  const sha1 = tlsFingerprint(der, 'sha1');
  assert.equal(sha1[0], 2);
  assert.ok(parseTlsFingerprint(sha1.subarray(1).toString('hex'))?.equals(sha1));
  for (const bad of ['', 'zz', 'sha256:abcd', '0a0b0c', 'md7:00'])
    assert.equal(parseTlsFingerprint(bad), undefined);
});

void test('subjectAltName parsing and common name', () => {
  const x = new X509Certificate(leaf.cert);
  assert.deepEqual(
    subjectAltNames(x).map((e) => e.kind),
    ['email', 'DNS', 'IP Address'],
  );
  assert.equal(commonName(x), 'Device-CN');
});

void test('CertToTsnTable: direct fingerprint rows and derived names (snmpTlstmCertToTSNTable)', () => {
  const t = new CertToTsnTable();
  assert.equal(
    t.set({ id: 0, fingerprint: leaf.fingerprint, mapType: 'specified', data: 'x' }),
    'id must be 1..4294967295',
  );
  assert.equal(
    t.set({ id: 5, fingerprint: 'nonsense', mapType: 'specified', data: 'x' }),
    'invalid fingerprint',
  );
  assert.notEqual(t.set({ id: 5, fingerprint: leaf.fingerprint, mapType: 'specified' }), undefined);
  const cases: [Parameters<CertToTsnTable['set']>[0]['mapType'], string][] = [
    ['sanRfc822Name', 'Ops.Team@example.com'],
    ['sanDnsName', 'device-1.example.net'],
    ['sanIpAddress', '192.0.2.7'],
    ['sanAny', 'Ops.Team@example.com'],
    ['commonName', 'Device-CN'],
  ];
  for (const [mapType, expected] of cases) {
    const one = new CertToTsnTable();
    one.set({ id: 1, fingerprint: leaf.fingerprint, mapType });
    const m = one.map(chain(leaf, false, false));
    assert.deepEqual(m, { ok: true, securityName: expected, rowId: 1 }, mapType);
  }
  const v6 = new CertToTsnTable();
  v6.set({ id: 1, fingerprint: ipLeaf.fingerprint, mapType: 'sanIpAddress' });
  assert.deepEqual(v6.map(chain(ipLeaf, false, false)), {
    ok: true,
    securityName: '20010db8000000000000000000000001',
    rowId: 1,
  });
});

void test('CertToTsnTable: CA rows need path validation; lower IDs first; unusable rows fall through', () => {
  const t = new CertToTsnTable();
  t.set({ id: 20, fingerprint: ca.fingerprint, mapType: 'sanDnsName' });
  t.set({ id: 10, fingerprint: ca.fingerprint, mapType: 'commonName' });
  // not validated: a CA fingerprint in the presented chain proves nothing
  assert.deepEqual(t.map(chain(leaf, false)), { ok: false, reason: 'noMatch' });
  assert.deepEqual(t.map(chain(leaf, true)), { ok: true, securityName: 'Device-CN', rowId: 10 });
  // CN too long for VACM (32 octets), no DNS SAN: both rows unusable
  assert.deepEqual(t.map(chain(bare, true)), { ok: false, reason: 'noMatch' });
  t.set({ id: 30, fingerprint: bare.fingerprint, mapType: 'specified', data: 'bare' });
  assert.deepEqual(t.map(chain(bare, true)), { ok: true, securityName: 'bare', rowId: 30 });
  assert.equal(t.size, 3);
  assert.equal(t.delete(30), true);
  assert.deepEqual(t.map({ certs: [], pathValidated: true }), { ok: false, reason: 'noCertificate' });
});
