import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { encodeHello, LineCollector, parseReplyLine, type CallHomeHello } from '@beckon/mgmt';

export interface CallHomeTarget {
  host: string;
  port: number;
  carrier: 'tcp' | 'tls';
  /** TLS options (CA of the station, SNI name, client certificate). */
  tls?: ConnectionOptions;
}

export type CallHomeError = 'bad-hello' | 'connect-failed' | 'timeout' | 'closed' | 'bad-reply' | 'refused';

export type CallHomeResult =
  | { ok: true; socket: Socket; rest: Buffer; secure: boolean }
  | { ok: false; error: CallHomeError; status?: number; reason?: string };

/**
 * Opens the call-home connection and exchanges the hello (docs/management-req.md "Call-home hello").
 * Never rejects; the socket is handed over only after the station's 200 reply.
 */
export function callHome(
  target: CallHomeTarget,
  hello: CallHomeHello,
  timeoutMs = 5000,
): Promise<CallHomeResult> {
  const frame = encodeHello(hello);
  if (!frame.ok) return Promise.resolve({ ok: false, error: 'bad-hello' });
  return new Promise((resolve) => {
    let settled = false;
    const secure = target.carrier === 'tls';
    const sock: Socket = secure
      ? tlsConnect({ host: target.host, port: target.port, ...(target.tls ?? {}) })
      : netConnect({ host: target.host, port: target.port });
    const done = (r: CallHomeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.off('data', onData);
      if (!r.ok) sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, error: 'timeout' }), timeoutMs);
    timer.unref();
    const collector = new LineCollector();
    const onData = (chunk: Buffer): void => {
      const r = collector.push(chunk);
      if (r.kind === 'more') return;
      if (r.kind === 'error') return done({ ok: false, error: 'bad-reply' });
      const reply = parseReplyLine(r.line);
      if (!reply.ok) return done({ ok: false, error: 'bad-reply' });
      if (reply.value.status !== 200)
        return done({ ok: false, error: 'refused', status: reply.value.status, reason: reply.value.reason });
      done({ ok: true, socket: sock, rest: r.rest, secure });
    };
    sock.on(secure ? 'secureConnect' : 'connect', () => {
      sock.setNoDelay(true);
      sock.write(frame.value);
    });
    sock.on('data', onData);
    sock.on('error', () => done({ ok: false, error: settled ? 'closed' : 'connect-failed' }));
    sock.on('close', () => done({ ok: false, error: 'closed' }));
  });
}
