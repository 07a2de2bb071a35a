import { createHash } from 'node:crypto';

/**
 * SHA-256 fingerprint of an SSH public key blob (RFC 4253 §6.6 wire format), written as OpenSSH
 * does: `SHA256:` and unpadded base64.
 */
export function sshKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}
