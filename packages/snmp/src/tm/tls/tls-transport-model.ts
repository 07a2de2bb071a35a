import { X509Certificate, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  type TLSSocket,
  checkServerIdentity,
  createServer,
  connect as tlsConnect,
  createSecureContext,
  type DetailedPeerCertificate,
  type SecureContextOptions,
} from 'node:tls';
import type { Logger } from '@beckon/ops';
import type { TmStateReference } from '../tm-state-reference.js';
import type { CertToTsnTable, PresentedChain } from './cert-to-tsn-table.js';
import {
  fingerprintAlgorithm,
  formatTlsFingerprint,
  parseTlsFingerprint,
  tlsFingerprint,
} from './snmp-tls-fingerprint.js';

/**
 * The TLS Transport Model (RFC 6353, snmpTLSTCPDomain) on an already connected TCP socket.
 *
 * The TLS role is decoupled from the TCP direction (RFC 8071 §3.1 style call home): the device opens
 * the TCP connection, then is the TLS server and the SNMP command responder (`tlsServerOnSocket`);
 * the station is the TLS client and the command generator (`tlsClientOnSocket`). The client
 * authenticates the server by the pinned snmpTlstmAddrServerFingerprint, or by path validation plus
 * snmpTlstmAddrServerIdentity; the server maps the client's certificate to a tmSecurityName with the
 * snmpTlstmCertToTSNTable. RFC 6353 requires X.509 certificates on both sides (mutual
 * authentication), which is enforced here.
 */
export interface TlsRoleInit {
  /** Our certificate (PEM, may hold the chain) and private key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** Trust anchors for path validation of the peer (PEM). */
  ca?: string | Buffer | (string | Buffer)[];
  /**
   * Test-only interoperability with TLS 1.0 peers (Net-SNMP 5.9.3 as packaged by Debian):
   * minVersion TLSv1 and `DEFAULT@SECLEVEL=0`. Logged as a warning. Default: TLS 1.2 or newer.
   */
  legacyTls?: boolean;
  /** Handshake plus authentication deadline (default 10 s). */
  handshakeTimeoutMs?: number;
  log: Logger;
}

export interface TlsServerRoleInit extends TlsRoleInit {
  /** Maps the client's certificate to its tmSecurityName (snmpTlstmCertToTSNTable). */
  certToTsn: CertToTsnTable;
}

export interface TlsClientRoleInit extends TlsRoleInit {
  /** tmSecurityName of this session on the client side (the name the request is made under). */
  securityName: string;
  /** snmpTlstmAddrServerFingerprint: of the server certificate or of a CA that validated it. */
  serverFingerprint?: Buffer | string;
  /** snmpTlstmAddrServerIdentity (checked after path validation when no fingerprint); '*' = any. */
  serverIdentity?: string;
}

export interface TlsSession {
  socket: TLSSocket;
  tmState: TmStateReference;
  /** SHA-256 SnmpTLSFingerprint of the peer's certificate. */
  peerFingerprint: Buffer;
  protocol: string;
}

export type TlsSessionError =
  | { kind: 'handshake'; detail: string }
  | { kind: 'timeout' }
  | { kind: 'noCertificate' }
  | { kind: 'unknownCertificate'; fingerprint: string }
  | { kind: 'serverFingerprintMismatch'; fingerprint: string }
  | { kind: 'untrustedServer'; detail: string };

export type TlsSessionResult = { ok: true; value: TlsSession } | { ok: false; error: TlsSessionError };

const LEGACY_CIPHERS = 'DEFAULT@SECLEVEL=0';
const ignore = (): void => undefined;

function contextOptions(init: TlsRoleInit, log: Logger): SecureContextOptions {
  const o: SecureContextOptions = { cert: init.cert, key: init.key, minVersion: 'TLSv1.2' };
  if (init.ca !== undefined) o.ca = init.ca;
  if (init.legacyTls) {
    log.warn('legacy TLS profile on: TLS 1.0 and SECLEVEL=0 ciphers allowed (test-only interoperability)');
    o.minVersion = 'TLSv1';
    o.ciphers = LEGACY_CIPHERS;
  }
  return o;
}

/** Trust anchors as X509Certificate objects (PEM bundles split). */
function trustAnchors(ca: TlsRoleInit['ca']): X509Certificate[] {
  const list = ca === undefined ? [] : Array.isArray(ca) ? ca : [ca];
  const out: X509Certificate[] = [];
  for (const item of list) {
    const text = item.toString();
    const re = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
    for (let m = re.exec(text); m; m = re.exec(text)) out.push(new X509Certificate(m[0]));
  }
  return out;
}

/**
 * The peer chain, leaf first (from the certificates the peer sent). When the path was validated,
 * the local trust anchor that issued the last certificate is appended: snmpTlstmCertToTSNTable rows
 * may name "a locally held copy of a trusted CA certificate ... used to validate the path".
 */
function peerChain(sock: TLSSocket, anchors: readonly X509Certificate[]): PresentedChain {
  const certs: { der: Buffer; x509: X509Certificate }[] = [];
  let c: DetailedPeerCertificate | undefined = sock.getPeerCertificate(true);
  const seen = new Set<DetailedPeerCertificate>();
  while (c && c.raw && c.raw.length > 0 && !seen.has(c) && certs.length < 10) {
    seen.add(c);
    certs.push({ der: c.raw, x509: new X509Certificate(c.raw) });
    c = c.issuerCertificate as DetailedPeerCertificate | undefined;
  }
  const last = certs[certs.length - 1];
  if (sock.authorized && last) {
    const anchor = anchors.find(
      (a) => a.raw.equals(last.der) === false && last.x509.checkIssued(a) && last.x509.verify(a.publicKey),
    );
    if (anchor) certs.push({ der: anchor.raw, x509: anchor });
  }
  return { certs, pathValidated: sock.authorized };
}

function tmState(sock: TLSSocket, securityName: string): TmStateReference {
  return {
    tmTransportDomain: 'tls',
    tmTransportAddress: { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 },
    tmSecurityName: securityName,
    tmTransportSecurityLevel: 'authPriv',
    tmSessionId: randomUUID(),
  };
}

/** Waits for `event` (handshake done), the deadline, or an error; then runs `check`. */
function handshake(
  sock: TLSSocket,
  event: 'secureConnect',
  timeoutMs: number,
  check: () => TlsSessionResult,
): Promise<TlsSessionResult> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: TlsSessionResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.off(event, onSecure);
      sock.off('error', onError);
      sock.off('close', onClose);
      if (!r.ok) sock.destroy();
      // later errors end in 'close'; the owner's StreamTransport adds its own handler
      else sock.on('error', ignore);
      resolve(r);
    };
    const onSecure = (): void => finish(check());
    const onError = (e: Error): void =>
      finish({ ok: false, error: { kind: 'handshake', detail: e.message } });
    const onClose = (): void =>
      finish({ ok: false, error: { kind: 'handshake', detail: 'connection closed' } });
    const timer = setTimeout(() => finish({ ok: false, error: { kind: 'timeout' } }), timeoutMs);
    sock.once(event, onSecure);
    sock.on('error', onError);
    sock.once('close', onClose);
  });
}

/**
 * TLS server role on a connected socket (the device in call home). The client must present a
 * certificate that maps to a tmSecurityName; otherwise the session is closed (SNMP-TLS-TM-MIB
 * snmpTlstmCertToTSNTable: "If no matching and valid row can be found, the connection MUST be closed
 * and SNMP messages MUST NOT be accepted over it.").
 */
export function tlsServerOnSocket(socket: Socket, init: TlsServerRoleInit): Promise<TlsSessionResult> {
  const log = init.log.child({ component: 'snmp.tlstm', role: 'server' });
  const anchors = trustAnchors(init.ca);
  // A tls.Server that never listens, fed the connected socket: it sets `authorized` (path
  // validation against `ca`) on the TLSSocket, which a bare server-side TLSSocket does not.
  const server = createServer({
    ...contextOptions(init, log),
    requestCert: true,
    rejectUnauthorized: false,
  });
  return new Promise<TlsSessionResult>((resolve) => {
    let done = false;
    const finish = (r: TlsSessionResult, sock?: TLSSocket): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('close', onClose);
      if (!r.ok) {
        sock?.destroy();
        socket.destroy();
      } else sock?.on('error', ignore);
      resolve(r);
    };
    const onClose = (): void =>
      finish({ ok: false, error: { kind: 'handshake', detail: 'connection closed' } });
    const timer = setTimeout(
      () => finish({ ok: false, error: { kind: 'timeout' } }),
      init.handshakeTimeoutMs ?? 10_000,
    );
    socket.once('close', onClose);
    server.once('tlsClientError', (e: Error) =>
      finish({ ok: false, error: { kind: 'handshake', detail: e.message } }),
    );
    server.once('secureConnection', (sock: TLSSocket) => finish(checkClient(sock), sock));
    server.emit('connection', socket);
  });

  function checkClient(sock: TLSSocket): TlsSessionResult {
    const chain = peerChain(sock, anchors);
    const leaf = chain.certs[0];
    if (!leaf) return { ok: false, error: { kind: 'noCertificate' } };
    const fp = tlsFingerprint(leaf.der);
    const m = init.certToTsn.map(chain);
    if (!m.ok) {
      log.warn(
        { fingerprint: formatTlsFingerprint(fp), validated: chain.pathValidated },
        'client certificate refused',
      );
      return { ok: false, error: { kind: 'unknownCertificate', fingerprint: formatTlsFingerprint(fp) } };
    }
    log.debug({ securityName: m.securityName, row: m.rowId }, 'TLS session up');
    return {
      ok: true,
      value: {
        socket: sock,
        tmState: tmState(sock, m.securityName),
        peerFingerprint: fp,
        protocol: sock.getProtocol() ?? '',
      },
    };
  }
}

/**
 * TLS client role on a connected socket (the station in call home): authenticates the server by
 * its pinned fingerprint, or by path validation and identity.
 */
export function tlsClientOnSocket(socket: Socket, init: TlsClientRoleInit): Promise<TlsSessionResult> {
  const log = init.log.child({ component: 'snmp.tlstm', role: 'client' });
  const pinned =
    init.serverFingerprint === undefined
      ? undefined
      : typeof init.serverFingerprint === 'string'
        ? parseTlsFingerprint(init.serverFingerprint)
        : init.serverFingerprint;
  const pinnedAlg = pinned ? fingerprintAlgorithm(pinned) : undefined;
  const sock = tlsConnect({
    socket,
    secureContext: createSecureContext(contextOptions(init, log)),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  });
  const anchors = trustAnchors(init.ca);
  return handshake(sock, 'secureConnect', init.handshakeTimeoutMs ?? 10_000, () => {
    const chain = peerChain(sock, anchors);
    const leaf = chain.certs[0];
    if (!leaf) return { ok: false, error: { kind: 'noCertificate' } };
    const fp = tlsFingerprint(leaf.der);
    if (init.serverFingerprint !== undefined) {
      const ok =
        pinned !== undefined &&
        pinnedAlg !== undefined &&
        chain.certs.some(
          (c, i) => (i === 0 || chain.pathValidated) && tlsFingerprint(c.der, pinnedAlg).equals(pinned),
        );
      if (!ok) {
        log.warn({ fingerprint: formatTlsFingerprint(fp) }, 'server fingerprint mismatch');
        return {
          ok: false,
          error: { kind: 'serverFingerprintMismatch', fingerprint: formatTlsFingerprint(fp) },
        };
      }
    } else {
      if (!chain.pathValidated)
        return { ok: false, error: { kind: 'untrustedServer', detail: String(sock.authorizationError) } };
      if (init.serverIdentity === undefined)
        return {
          ok: false,
          error: { kind: 'untrustedServer', detail: 'no server fingerprint or identity configured' },
        };
      if (init.serverIdentity !== '*') {
        const e = checkServerIdentity(init.serverIdentity, sock.getPeerCertificate());
        if (e) return { ok: false, error: { kind: 'untrustedServer', detail: e.message } };
      }
    }
    log.debug({ server: formatTlsFingerprint(fp), protocol: sock.getProtocol() }, 'TLS session up');
    return {
      ok: true,
      value: {
        socket: sock,
        tmState: tmState(sock, init.securityName),
        peerFingerprint: fp,
        protocol: sock.getProtocol() ?? '',
      },
    };
  });
}
