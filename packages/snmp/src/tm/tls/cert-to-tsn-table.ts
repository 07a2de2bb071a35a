import type { X509Certificate } from 'node:crypto';
import {
  fingerprintAlgorithm,
  parseTlsFingerprint,
  tlsFingerprint,
  type FingerprintAlgorithm,
} from './snmp-tls-fingerprint.js';

/**
 * snmpTlstmCertToTSNMapType identities (SNMP-TLS-TM-MIB snmpTlstmCertToTSNMIdentities 1-6).
 */
export type CertToTsnMapType =
  'specified' | 'sanRfc822Name' | 'sanDnsName' | 'sanIpAddress' | 'sanAny' | 'commonName';

/** One snmpTlstmCertToTSNEntry. */
export interface CertToTsnRow {
  /** snmpTlstmCertToTSNID: "A unique, prioritized index ... Lower numbers indicate a higher priority." */
  id: number;
  /** Of the presented certificate or of a trusted CA that validated it (Buffer: SnmpTLSFingerprint). */
  fingerprint: Buffer | string;
  mapType: CertToTsnMapType;
  /** snmpTlstmCertToTSNData: the tmSecurityName for 'specified'. */
  data?: string;
}

/** The peer's certificate chain, leaf first, and whether it was path-validated against our trust anchors. */
export interface PresentedChain {
  certs: readonly { der: Buffer; x509: X509Certificate }[];
  pathValidated: boolean;
}

export type CertMapResult =
  { ok: true; securityName: string; rowId: number } | { ok: false; reason: 'noCertificate' | 'noMatch' };

interface Row {
  id: number;
  fingerprint: Buffer;
  alg: FingerprintAlgorithm;
  mapType: CertToTsnMapType;
  data: string | undefined;
}

/** VACM SnmpAdminString (SIZE(1..32)) limit for securityName. */
const MAX_SECURITY_NAME = 32;

/**
 * snmpTlstmCertToTSNTable semantics (SNMP-TLS-TM-MIB, RFC 6353 §10): rows in snmpTlstmCertToTSNID
 * order; a row matches when its fingerprint "identifies the presented certificate", or "identifies
 * a locally held copy of a trusted CA certificate and that CA certificate was used to validate the
 * path to the presented certificate". "If it is impossible to determine a tmSecurityName from the
 * row's data combined with the data presented in the certificate, then additional rows MUST be
 * searched"; "If no matching and valid row can be found, the connection MUST be closed".
 */
export class CertToTsnTable {
  private rows: Row[] = [];

  /** Adds or replaces a row; returns an error text when the row is invalid. */
  set(row: CertToTsnRow): string | undefined {
    if (!Number.isInteger(row.id) || row.id < 1 || row.id > 0xffff_ffff) return 'id must be 1..4294967295';
    const fp = typeof row.fingerprint === 'string' ? parseTlsFingerprint(row.fingerprint) : row.fingerprint;
    const alg = fp ? fingerprintAlgorithm(fp) : undefined;
    if (!fp || !alg) return 'invalid fingerprint';
    if (row.mapType === 'specified' && !validName(row.data ?? ''))
      return "'specified' needs data (1..32 octets)";
    this.delete(row.id);
    this.rows.push({ id: row.id, fingerprint: fp, alg, mapType: row.mapType, data: row.data });
    this.rows.sort((a, b) => a.id - b.id);
    return undefined;
  }

  delete(id: number): boolean {
    const i = this.rows.findIndex((r) => r.id === id);
    if (i < 0) return false;
    this.rows.splice(i, 1);
    return true;
  }

  /** snmpTlstmCertToTSNCount */
  get size(): number {
    return this.rows.length;
  }

  map(chain: PresentedChain): CertMapResult {
    const leaf = chain.certs[0];
    if (!leaf) return { ok: false, reason: 'noCertificate' };
    const fps = new Map<string, Buffer[]>();
    const fingerprints = (alg: FingerprintAlgorithm): Buffer[] => {
      let l = fps.get(alg);
      if (!l) {
        l = chain.certs.map((c) => tlsFingerprint(c.der, alg));
        fps.set(alg, l);
      }
      return l;
    };
    for (const row of this.rows) {
      const list = fingerprints(row.alg);
      const direct = list[0]!.equals(row.fingerprint);
      const viaCa = !direct && chain.pathValidated && list.some((f, i) => i > 0 && f.equals(row.fingerprint));
      if (!direct && !viaCa) continue;
      const name = deriveName(row, leaf.x509);
      if (name !== undefined && validName(name)) return { ok: true, securityName: name, rowId: row.id };
    }
    return { ok: false, reason: 'noMatch' };
  }
}

function validName(s: string): boolean {
  const n = Buffer.byteLength(s, 'utf8');
  return n >= 1 && n <= MAX_SECURITY_NAME;
}

function deriveName(row: Row, cert: X509Certificate): string | undefined {
  switch (row.mapType) {
    case 'specified':
      return row.data;
    case 'commonName':
      return commonName(cert);
    case 'sanRfc822Name':
    case 'sanDnsName':
    case 'sanIpAddress':
    case 'sanAny':
      return fromSan(row.mapType, cert);
  }
}

/** First CN of the subject (snmpTlstmCertCommonName: "converting it to a UTF-8 encoding"). */
export function commonName(cert: X509Certificate): string | undefined {
  for (const line of cert.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/**
 * snmpTlstmCertSANAny: "The first matching subjectAltName value found in the certificate of the above
 * types MUST be used".
 */
function fromSan(type: CertToTsnMapType, cert: X509Certificate): string | undefined {
  for (const { kind, value } of subjectAltNames(cert)) {
    if (kind === 'email' && (type === 'sanRfc822Name' || type === 'sanAny')) {
      // "The local part of the rfc822Name is passed unaltered but the host-part of the name must be
      //  passed in lowercase."
      const at = value.lastIndexOf('@');
      return at < 0 ? value : value.slice(0, at + 1) + value.slice(at + 1).toLowerCase();
    }
    // snmpTlstmCertSANDNSName: "after first converting it to all lowercase"
    if (kind === 'DNS' && (type === 'sanDnsName' || type === 'sanAny')) return value.toLowerCase();
    if (kind === 'IP Address' && (type === 'sanIpAddress' || type === 'sanAny')) return ipName(value);
  }
  return undefined;
}

/** Entries of X509Certificate.subjectAltName ("DNS:a, IP Address:1.2.3.4, email:x@y"; values with
 *  special characters are JSON-quoted by Node). */
export function subjectAltNames(cert: X509Certificate): { kind: string; value: string }[] {
  const s = cert.subjectAltName;
  const out: { kind: string; value: string }[] = [];
  if (!s) return out;
  let i = 0;
  while (i < s.length) {
    const colon = s.indexOf(':', i);
    if (colon < 0) break;
    const kind = s.slice(i, colon);
    let value: string;
    let j = colon + 1;
    if (s[j] === '"') {
      let k = j + 1;
      while (k < s.length && s[k] !== '"') k += s[k] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(s.slice(j, k + 1)) as string;
      } catch {
        return out;
      }
      j = k + 1;
    } else {
      const comma = s.indexOf(', ', j);
      const end = comma < 0 ? s.length : comma;
      value = s.slice(j, end);
      j = end;
    }
    out.push({ kind, value });
    i = s.startsWith(', ', j) ? j + 2 : s.length;
  }
  return out;
}

/**
 * snmpTlstmCertSANIpAddress: "for IPv4, the value is converted into a decimal-dotted quad address";
 * "for IPv6 addresses, the value is converted into a 32-character all lowercase hexadecimal string
 * without any colon separators".
 */
function ipName(text: string): string | undefined {
  if (!text.includes(':')) return text;
  const [head = '', tail] = text.toLowerCase().split('::');
  const a = head ? head.split(':') : [];
  const b = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - a.length - b.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  const groups = [...a, ...Array<string>(missing).fill('0'), ...b];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => g.padStart(4, '0')).join('');
}
