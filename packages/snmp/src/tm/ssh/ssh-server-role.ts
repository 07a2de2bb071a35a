import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@beckon/ops';
import ssh2 from 'ssh2';
import type { AuthContext, Connection } from 'ssh2';
import type { TmStateReference } from '../tm-state-reference.js';
import { sshKeyFingerprint } from './ssh-host-key.js';

/**
 * The SSH Transport Model (RFC 5592) on an already connected TCP socket, SSH server role.
 *
 * Call home (RFC 8071 §3.1, written for NETCONF/RESTCONF and applied here to SNMP): the device opens
 * the TCP connection to the station, then starts the SSH *server* protocol; the station starts the
 * SSH *client* protocol on the accepted connection. So the station authenticates the device by its
 * host key (as for any SSH server) and the device authenticates the station's user by public key or
 * password — the same trust relations as an ordinary station-to-device SSH session, only the TCP
 * direction is reversed, which lets the device sit behind NAT. The SNMP command responder runs on the
 * device (SSH server), the command generator on the station (SSH client).
 *
 * RFC 5592 §5.1 (paraphrased): SNMP runs in the "snmp" subsystem of an SSH session channel; the
 * tmSecurityName of the session is the authenticated SSH user name.
 */

export type SshAuthRequest =
  | { method: 'password'; username: string; password: string }
  | { method: 'publickey'; username: string; keyAlgo: string; keyBlob: Buffer; fingerprint: string };

export interface SshServerRoleInit {
  /** Host private keys (PEM or OpenSSH format). */
  hostKeys: (string | Buffer)[];
  /**
   * Decides whether a user may log in with this password or public key. For public keys the
   * signature over the session is verified here before a key is accepted.
   */
  authenticate(req: SshAuthRequest): boolean | Promise<boolean>;
  /** Deadline for the handshake and user authentication (default 10 s). */
  authTimeoutMs?: number;
  log: Logger;
}

/** One `snmp` subsystem channel, framed by BER length like any SNMP stream. */
export interface SshSnmpChannel {
  stream: Duplex;
  tmState: TmStateReference;
}

export interface SshServerSession {
  /** Called once per accepted `snmp` subsystem request. */
  onSnmpChannel(cb: (ch: SshSnmpChannel) => void): void;
  /** Resolves when the connection is gone, with the reason when it never authenticated. */
  readonly closed: Promise<{ authenticated: boolean; reason?: string }>;
  /** The authenticated user (after authentication). */
  readonly username: string | undefined;
  close(): void;
}

export function sshServerOnSocket(socket: Socket, init: SshServerRoleInit): SshServerSession {
  const log = init.log.child({ component: 'snmp.sshtm', role: 'server' });
  const waiting: SshSnmpChannel[] = [];
  let listener: ((ch: SshSnmpChannel) => void) | undefined;
  let username: string | undefined;
  let authenticated = false;
  let reason: string | undefined;
  let conn: Connection | undefined;
  let resolveClosed!: (v: { authenticated: boolean; reason?: string }) => void;
  const closed = new Promise<{ authenticated: boolean; reason?: string }>((r) => (resolveClosed = r));
  const address = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
  const sessionId = randomUUID();

  const deliver = (ch: SshSnmpChannel): void => {
    if (listener) listener(ch);
    else waiting.push(ch);
  };

  const server = new ssh2.Server({ hostKeys: init.hostKeys }, (client) => {
    conn = client;
    const timer = setTimeout(() => {
      reason = 'authentication timeout';
      client.end();
    }, init.authTimeoutMs ?? 10_000);
    client.on('authentication', (ctx) => {
      void onAuth(ctx);
    });
    client.on('ready', () => {
      clearTimeout(timer);
      authenticated = true;
      log.debug({ user: username }, 'SSH session up');
      client.on('session', (accept) => {
        const session = accept();
        session.on('subsystem', (acceptSub, rejectSub, info) => {
          if (info.name !== 'snmp' || username === undefined) {
            rejectSub();
            return;
          }
          const ch = acceptSub();
          deliver({
            stream: ch,
            tmState: {
              tmTransportDomain: 'ssh',
              tmTransportAddress: address,
              tmSecurityName: username,
              tmTransportSecurityLevel: 'authPriv',
              tmSessionId: sessionId,
            },
          });
        });
      });
    });
    client.on('error', (e: Error) => {
      reason ??= e.message;
      log.debug({ error: e.message }, 'SSH connection error');
    });
    client.on('close', () => {
      clearTimeout(timer);
      if (!authenticated)
        log.warn({ reason: reason ?? 'closed before authentication' }, 'SSH call-home refused');
      resolveClosed({ authenticated, ...(reason !== undefined ? { reason } : {}) });
    });
  });

  async function onAuth(ctx: AuthContext): Promise<void> {
    let ok = false;
    try {
      if (ctx.method === 'password') {
        ok = await init.authenticate({ method: 'password', username: ctx.username, password: ctx.password });
      } else if (ctx.method === 'publickey') {
        const req: SshAuthRequest = {
          method: 'publickey',
          username: ctx.username,
          keyAlgo: ctx.key.algo,
          keyBlob: ctx.key.data,
          fingerprint: sshKeyFingerprint(ctx.key.data),
        };
        ok = await init.authenticate(req);
        if (ok && ctx.signature && ctx.blob) {
          // RFC 4252 §7 (paraphrased): the server verifies the signature made with the offered key
          const parsed = ssh2.utils.parseKey(`${ctx.key.algo} ${ctx.key.data.toString('base64')}`);
          ok = !(parsed instanceof Error) && parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo);
        }
      } else {
        ctx.reject(['publickey', 'password']);
        return;
      }
    } catch (e) {
      log.warn({ error: (e as Error).message }, 'SSH authenticate callback failed');
      ok = false;
    }
    if (ok) {
      username = ctx.username;
      ctx.accept();
    } else {
      reason = 'authentication failed';
      log.info({ user: ctx.username, method: ctx.method }, 'SSH authentication rejected');
      ctx.reject(['publickey', 'password']);
    }
  }

  server.on('error', (e: Error) => log.debug({ error: e.message }, 'SSH server error'));
  server.injectSocket(socket);

  return {
    onSnmpChannel(cb) {
      listener = cb;
      for (const ch of waiting.splice(0)) cb(ch);
    },
    closed,
    get username() {
      return username;
    },
    close() {
      if (conn) conn.end();
      else socket.destroy();
    },
  };
}
