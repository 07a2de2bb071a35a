import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SshKey {
  /** OpenSSH private key (PEM-like `OPENSSH PRIVATE KEY` block, no passphrase). */
  private: string;
  /** `ssh-ed25519 AAAA…` line. */
  public: string;
  /** `SHA256:…` (unpadded base64 of the SHA-256 of the public key blob, as OpenSSH prints it). */
  fingerprint: string;
}

/** A throw-away Ed25519 key pair made with the ssh-keygen command in a temp directory removed at once. */
export function sshKey(): SshKey {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-test-ssh-'));
  try {
    const file = join(dir, 'key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', file], { stdio: 'ignore' });
    const pub = readFileSync(`${file}.pub`, 'utf8').trim();
    const blob = Buffer.from(pub.split(/\s+/)[1] ?? '', 'base64');
    return {
      private: readFileSync(file, 'utf8'),
      public: pub,
      fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
