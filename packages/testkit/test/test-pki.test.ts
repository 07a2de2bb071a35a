import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { sshKey, TestPki } from '../src/index.js';

void test('TestPki: CA and leaf (EC default, RSA option), fingerprints in every form, dispose', () => {
  for (const keyType of ['ec', 'rsa'] as const) {
    const pki = new TestPki({ keyType });
    try {
      const ca = pki.ca('ca');
      const leaf = pki.leaf('dev', ca, 'dev.example');
      const other = pki.leaf('usr', ca, 'usr.example', 'email:a@example.org');
      const x = new X509Certificate(leaf.cert);
      assert.equal(x.verify(new X509Certificate(ca.cert).publicKey), true);
      assert.equal(x.publicKey.asymmetricKeyType, keyType);
      assert.equal(x.subjectAltName, 'DNS:dev.example');
      assert.equal(new X509Certificate(other.cert).subjectAltName, 'email:a@example.org');
      const digest = createHash('sha256').update(x.raw).digest();
      assert.equal(leaf.fingerprint[0], 4);
      assert.deepEqual(leaf.fingerprint.subarray(1), digest);
      assert.equal(leaf.fingerprintText, `sha256:${leaf.netSnmpFingerprint}`);
      assert.match(leaf.netSnmpFingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    } finally {
      pki.dispose();
    }
    assert.equal(existsSync(pki.dir), false);
  }
});

void test('sshKey: an OpenSSH Ed25519 pair and its SHA256 fingerprint', () => {
  const k = sshKey();
  assert.match(k.private, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
  assert.match(k.public, /^ssh-ed25519 AAAA\S+$/);
  assert.match(k.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
});
