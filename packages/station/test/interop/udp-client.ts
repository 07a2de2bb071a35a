import { createSocket, type Socket } from 'node:dgram';
import { DigestClient, parseMessage, type SipResponse } from '@beckon/sip';

/** A throw-away UDP SIP client for tests: sends a request text, resolves with the final response. */
export class UdpClient {
  private waiters: ((r: SipResponse) => void)[] = [];
  private n = 0;

  private constructor(
    readonly sock: Socket,
    readonly port: number,
  ) {
    sock.on('message', (data) => {
      const p = parseMessage(data);
      if (p.ok && p.message.kind === 'response' && p.message.status >= 200) this.waiters.shift()?.(p.message);
    });
  }

  static async open(port = 0): Promise<UdpClient> {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(port, '127.0.0.1', () => r()));
    return new UdpClient(sock, sock.address().port);
  }

  send(serverPort: number, text: string, timeoutMs = 5000): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no response')), timeoutMs);
      this.waiters.push((r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.sock.send(text, serverPort, '127.0.0.1');
    });
  }

  request(
    method: string,
    uri: string,
    extra: string[] = [],
    opts: { cseq?: number; callId?: string; from?: string } = {},
  ): string {
    this.n++;
    return [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK-u${this.port}-${this.n};rport`,
      'Max-Forwards: 70',
      `From: <${opts.from ?? 'sip:tester@127.0.0.1'}>;tag=t${this.n}`,
      `To: <${method === 'REGISTER' ? (opts.from ?? uri) : uri}>`,
      `Call-ID: ${opts.callId ?? `c${this.port}-${this.n}`}`,
      `CSeq: ${opts.cseq ?? 1} ${method}`,
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  }

  /** REGISTER aor from this socket (its source address becomes the binding's flow), answering a 401. */
  async register(
    serverPort: number,
    aor: { user: string; domain: string },
    auth: { username: string; password: string } | undefined,
    extra: string[] = [],
  ): Promise<SipResponse> {
    const from = `sip:${aor.user}@${aor.domain}`;
    const contact = `Contact: <sip:${aor.user}@127.0.0.1:${this.port}>`;
    const callId = `reg-${aor.user}-${this.port}`;
    const first = await this.send(
      serverPort,
      this.request('REGISTER', `sip:${aor.domain}`, [contact, 'Expires: 3600', ...extra], { from, callId }),
    );
    if (first.status !== 401 || !auth) return first;
    const a = new DigestClient().authorize({
      challenges: first.getRows('www-authenticate'),
      username: auth.username,
      password: auth.password,
      method: 'REGISTER',
      uri: `sip:${aor.domain}`,
    });
    if (!a.ok) throw new Error('challenge not answerable');
    return this.send(
      serverPort,
      this.request(
        'REGISTER',
        `sip:${aor.domain}`,
        [contact, 'Expires: 3600', `Authorization: ${a.value}`, ...extra],
        {
          from,
          callId,
          cseq: 2,
        },
      ),
    );
  }

  close(): void {
    this.sock.close();
  }
}
