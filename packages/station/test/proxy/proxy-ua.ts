import { createSocket, type Socket } from 'node:dgram';
import { parseMessage, type SipRequest, type SipResponse } from '@beckon/sip';

/** A tiny UDP user agent: registers, answers requests with `status`, records what it received. */
export class Ua {
  readonly received: SipRequest[] = [];
  private waiters: ((r: SipResponse) => void)[] = [];
  private constructor(
    readonly sock: Socket,
    readonly port: number,
    private readonly status: number,
  ) {
    sock.on('message', (data) => {
      const p = parseMessage(data);
      if (!p.ok) return;
      const m = p.message;
      if (m.kind === 'response') {
        if (m.status >= 200) this.waiters.shift()?.(m);
        return;
      }
      this.received.push(m);
      if (m.method === 'ACK') return;
      const vias = m.getRows('via').map((v) => `Via: ${v}`);
      const res = [
        `SIP/2.0 ${this.status} X`,
        ...vias,
        `From: ${m.get('from')}`,
        `To: ${m.get('to')};tag=ua${this.port}`,
        `Call-ID: ${m.get('call-id')}`,
        `CSeq: ${m.get('cseq')}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sock.send(res, Number(m.topVia()?.params.get('rport') ?? m.topVia()?.port), '127.0.0.1');
    });
  }

  static async open(status = 200): Promise<Ua> {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    return new Ua(sock, sock.address().port, status);
  }

  request(port: number, text: string): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no response')), 5000);
      this.waiters.push((r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.sock.send(text, port, '127.0.0.1');
    });
  }

  close(): void {
    this.sock.close();
  }
}

let n = 0;
/** A request from `ua` (a new Call-ID each time unless `callId` is given). */
export function req(
  method: string,
  uri: string,
  ua: Ua,
  extra: string[] = [],
  user = 'x',
  callId?: string,
): string {
  n++;
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${ua.port};branch=z9hG4bK-s${n};rport`,
    'Max-Forwards: 70',
    `From: <sip:${user}@example.net>;tag=f${n}`,
    `To: <${uri}>`,
    `Call-ID: ${callId ?? `c${n}@test`}`,
    `CSeq: ${n} ${method}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
