import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tlsFingerprint } from '../../../src/index.js';

export interface TestCert {
  name: string;
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
  /** SHA-256 SnmpTLSFingerprint. */
  fingerprint: Buffer;
  /** Net-SNMP style hex with colons (SHA-256). */
  netSnmpFingerprint: string;
}

/** A throw-away PKI generated with the openssl command line in a temp directory. */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'beckon-tm-pki-'));

  private run(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'ignore' });
  }

  private load(name: string): TestCert {
    const certFile = join(this.dir, `${name}.crt`);
    const keyFile = join(this.dir, `${name}.key`);
    const cert = readFileSync(certFile, 'utf8');
    const fp = tlsFingerprint(new X509Certificate(cert).raw);
    return {
      name,
      certFile,
      keyFile,
      cert,
      key: readFileSync(keyFile, 'utf8'),
      fingerprint: fp,
      netSnmpFingerprint: [...fp.subarray(1)]
        .map((b) => b.toString(16).padStart(2, '0').toUpperCase())
        .join(':'),
    };
  }

  /** A self-signed CA. */
  ca(name: string): TestCert {
    this.run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return this.load(name);
  }

  /** A leaf certificate signed by `ca` with the given CN and subjectAltName (e.g. `DNS:x,email:y`). */
  leaf(name: string, ca: TestCert, cn: string, san: string): TestCert {
    this.run([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    ]);
    writeFileSync(
      join(this.dir, `${name}.ext`),
      `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n`,
    );
    this.run([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ]);
    return this.load(name);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
