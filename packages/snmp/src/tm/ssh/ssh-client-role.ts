import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@beckon/ops';
import ssh2 from 'ssh2';
import type { ConnectConfig } from 'ssh2';
import type { TmStateReference } from '../tm-state-reference.js';
import { sshKeyFingerprint } from './ssh-host-key.js';

/**
 * SSH client role on an already connected TCP socket (the station in call home; see
 * ssh-server-role.ts for why): authenticates the device by its host key, logs in, and opens the
 * `snmp` subsystem (RFC 5592 §5.1). The channel is a Duplex usable by StreamTransport /
 * secureStreamTransport; tmSecurityName is the user name logged in as.
 */
export interface SshClientRoleInit {
  username: string;
  privateKey?: string | Buffer;
  passphrase?: string;
  password?: string;
  /** Accepts the server host key (SSH wire-format blob and its SHA-256 fingerprint). */
  hostVerifier(keyBlob: Buffer, fingerprint: string): boolean;
  /** Deadline for handshake, authentication and subsystem (default 10 s). */
  readyTimeoutMs?: number;
  log: Logger;
}

export interface SshClientSession {
  channel: Duplex;
  tmState: TmStateReference;
  hostKeyFingerprint: string;
  /** Ends the SSH connection. */
  close(): void;
}

export type SshClientError =
  | { kind: 'hostKeyRejected'; fingerprint: string }
  | { kind: 'authentication'; detail: string }
  | { kind: 'subsystem'; detail: string }
  | { kind: 'timeout' }
  | { kind: 'connection'; detail: string };

export type SshClientResult = { ok: true; value: SshClientSession } | { ok: false; error: SshClientError };

export function sshClientOnSocket(socket: Socket, init: SshClientRoleInit): Promise<SshClientResult> {
  const log = init.log.child({ component: 'snmp.sshtm', role: 'client' });
  const client = new ssh2.Client();
  let hostFp = '';
  let hostRejected = false;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: SshClientResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!r.ok) {
        log.warn({ error: r.error }, 'SSH session failed');
        client.end();
        socket.destroy();
      }
      resolve(r);
    };
    const timer = setTimeout(
      () => finish({ ok: false, error: { kind: 'timeout' } }),
      init.readyTimeoutMs ?? 10_000,
    );
    client.on('ready', () => {
      client.subsys('snmp', (err, channel) => {
        if (err) return finish({ ok: false, error: { kind: 'subsystem', detail: err.message } });
        finish({
          ok: true,
          value: {
            channel,
            hostKeyFingerprint: hostFp,
            tmState: {
              tmTransportDomain: 'ssh',
              tmTransportAddress: { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
              tmSecurityName: init.username,
              tmTransportSecurityLevel: 'authPriv',
              tmSessionId: randomUUID(),
            },
            close: () => client.end(),
          },
        });
      });
    });
    client.on('error', (e: Error & { level?: string }) => {
      if (hostRejected) return finish({ ok: false, error: { kind: 'hostKeyRejected', fingerprint: hostFp } });
      if (e.level === 'client-authentication')
        return finish({ ok: false, error: { kind: 'authentication', detail: e.message } });
      finish({ ok: false, error: { kind: 'connection', detail: e.message } });
    });
    client.on('close', () => {
      if (hostRejected) finish({ ok: false, error: { kind: 'hostKeyRejected', fingerprint: hostFp } });
      else finish({ ok: false, error: { kind: 'connection', detail: 'closed' } });
    });
    const cfg: ConnectConfig = {
      sock: socket,
      username: init.username,
      hostVerifier: (key: Buffer): boolean => {
        hostFp = sshKeyFingerprint(key);
        const ok = init.hostVerifier(key, hostFp);
        hostRejected = !ok;
        return ok;
      },
      readyTimeout: init.readyTimeoutMs ?? 10_000,
    };
    if (init.privateKey !== undefined) cfg.privateKey = init.privateKey;
    if (init.passphrase !== undefined) cfg.passphrase = init.passphrase;
    if (init.password !== undefined) cfg.password = init.password;
    client.connect(cfg);
  });
}
