import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `ec` = P-256; `rsa` = RSA 2048 (what Net-SNMP's TLS 1.0 build needs). */
export type TestKeyType = 'ec' | 'rsa';

export interface TestPkiOptions {
  /** Key type of every certificate this PKI makes; default `ec`. */
  keyType?: TestKeyType;
  /** Prefix of the temp directory name; default `beckon-test-pki-`. */
  dirPrefix?: string;
}

export interface TestCert {
  name: string;
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
  /** DER of the certificate. */
  der: Buffer;
  /** SnmpTLSFingerprint octets (RFC 6353): hash algorithm octet 4 (sha256), then the SHA-256 digest. */
  fingerprint: Buffer;
  /** The same as text: `sha256:AA:BB:…`. */
  fingerprintText: string;
  /** Net-SNMP's form: SHA-256 hex with colons, no algorithm octet. */
  netSnmpFingerprint: string;
}

/** TLS HashAlgorithm registry value of sha256 (RFC 5246 section 7.4.1.4.1), used by SnmpTLSFingerprint. */
const SHA256_ID = 4;

/** A throw-away PKI made with the openssl command line in a temp directory; `dispose()` removes it. */
export class TestPki {
  readonly dir: string;
  private readonly keyType: TestKeyType;

  constructor(opts: TestPkiOptions = {}) {
    this.keyType = opts.keyType ?? 'ec';
    this.dir = mkdtempSync(join(tmpdir(), opts.dirPrefix ?? 'beckon-test-pki-'));
  }

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'ignore' });
  }

  private keyArgs(): string[] {
    return this.keyType === 'ec'
      ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']
      : ['-newkey', 'rsa:2048'];
  }

  private load(name: string): TestCert {
    const certFile = join(this.dir, `${name}.crt`);
    const keyFile = join(this.dir, `${name}.key`);
    const cert = readFileSync(certFile, 'utf8');
    const der = new X509Certificate(cert).raw;
    const digest = createHash('sha256').update(der).digest();
    const hex = [...digest].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
    return {
      name,
      certFile,
      keyFile,
      cert,
      key: readFileSync(keyFile, 'utf8'),
      der,
      fingerprint: Buffer.concat([Buffer.from([SHA256_ID]), digest]),
      fingerprintText: `sha256:${hex}`,
      netSnmpFingerprint: hex,
    };
  }

  /** A self-signed CA (files `<name>.crt` / `<name>.key`). */
  ca(name: string): TestCert {
    this.openssl([
      'req',
      '-x509',
      ...this.keyArgs(),
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

  /** A leaf signed by `ca` with the given CN and subjectAltName (e.g. `DNS:x,email:y`; default `DNS:<cn>`). */
  leaf(name: string, ca: TestCert, cn: string, san = `DNS:${cn}`): TestCert {
    this.openssl([
      'req',
      ...this.keyArgs(),
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
    this.openssl([
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
