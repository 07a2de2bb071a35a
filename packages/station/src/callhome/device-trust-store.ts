import { formatTlsFingerprint, parseTlsFingerprint } from '@beckon/snmp';
import { targetKeys } from '../management/device-index.js';

/**
 * How the station recognises a device that calls home: the SHA-256 fingerprint of its TLS certificate
 * (snmp-tls; SnmpTLSFingerprint text `04:…` or 32 bytes) and/or the SHA-256 fingerprint of its SSH host key
 * (snmp-ssh; OpenSSH form `SHA256:…`). Never its address: devices sit behind NATs, so a source address
 * says nothing about who is calling.
 */
export interface DeviceTrust {
  /** Device as the operator names it: MAC / instrument id, device URI or AOR. */
  readonly device: string;
  readonly tlsFingerprints?: readonly string[];
  readonly sshHostKeys?: readonly string[];
}

/** What the session handler asks: the trust entry of the device a management request names. */
export interface DeviceTrustLookup {
  /** `device` is the canonical id of the management request (`inst:<id>` or `uri:<key>`). */
  trustOf(device: string): DeviceTrust | undefined;
}

/**
 * Device credentials in memory, keyed by every lookup key of the operator's device name (the same keys
 * the management service matches subscriptions with), so `02:be:c1:00:00:00`, `02BEC1000000` and
 * `sip:MAC%3a02BEC1000000@example.com` all find one entry.
 */
export class MemoryDeviceTrustStore implements DeviceTrustLookup {
  private readonly byKey = new Map<string, DeviceTrust>();

  /** Adds or replaces an entry; an error text when the device name or a fingerprint is unusable. */
  set(t: DeviceTrust): string | undefined {
    const keys = targetKeys(t.device);
    if (!keys.ok) return keys.error;
    const tls: string[] = [];
    for (const f of t.tlsFingerprints ?? []) {
      const b = parseTlsFingerprint(f);
      if (!b) return `bad TLS fingerprint ${f}`;
      tls.push(formatTlsFingerprint(b));
    }
    for (const k of t.sshHostKeys ?? [])
      if (!k.startsWith('SHA256:')) return `bad SSH host key fingerprint ${k}`;
    const entry: DeviceTrust = {
      device: t.device,
      tlsFingerprints: tls,
      sshHostKeys: [...(t.sshHostKeys ?? [])],
    };
    for (const k of keys.keys) this.byKey.set(k, entry);
    return undefined;
  }

  delete(device: string): void {
    const keys = targetKeys(device);
    if (keys.ok) for (const k of keys.keys) this.byKey.delete(k);
  }

  trustOf(device: string): DeviceTrust | undefined {
    return this.byKey.get(device);
  }
}
