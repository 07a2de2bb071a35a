import type { EndpointTransport } from '../../src/ua/sip-endpoint.js';
import type {
  Flow,
  ListenerInfo,
  SendResult,
  SendTarget,
  TransportKind,
  TransportUser,
} from '../../src/transport/transport-types.js';
import { parseMessage } from '../../src/message/parse-message.js';
import type { SipRequest } from '../../src/message/sip-request.js';
import type { SipResponse } from '../../src/message/sip-response.js';

export interface Sent {
  to: string;
  data: Buffer;
  text: string;
}

/** A flow that records what is sent over it. */
export class FakeFlow implements Flow {
  readonly id: string;
  readonly secure = false;
  readonly reliable: boolean;
  closed = false;
  constructor(
    private readonly net: FakeTransport,
    readonly transport: TransportKind,
    readonly remote: { address: string; port: number },
    readonly local = { address: '127.0.0.1', port: 5060 },
  ) {
    this.reliable = transport !== 'udp';
    this.id = `${transport}:${local.address}:${local.port}>${remote.address}:${remote.port}`;
  }
  send(data: Buffer): SendResult {
    if (this.closed) return { ok: false, error: 'flow-closed' };
    this.net.record(this.id, data);
    return { ok: true };
  }
  touch(): void {}
  setIdleTimeout(): void {}
  close(): void {
    this.closed = true;
  }
}

/** An in-memory transport: records sends, lets tests inject messages. */
export class FakeTransport implements EndpointTransport {
  user: TransportUser | undefined;
  readonly sent: Sent[] = [];

  setUser(user: TransportUser | undefined): void {
    this.user = user;
  }

  listeners(): ListenerInfo[] {
    return [
      { transport: 'udp', address: '127.0.0.1', port: 5060, family: 'IPv4' },
      { transport: 'tcp', address: '127.0.0.1', port: 5060, family: 'IPv4' },
    ];
  }

  async send(target: SendTarget | Flow, data: Buffer): Promise<SendResult> {
    if ('send' in target) return target.send(data);
    this.record(`${target.transport}>${target.address}:${target.port}`, data);
    return { ok: true };
  }

  record(to: string, data: Buffer): void {
    this.sent.push({
      to,
      data,
      get text() {
        return data.toString();
      },
    });
  }

  flow(transport: TransportKind = 'udp', remotePort = 40000, remoteAddress = '127.0.0.1'): FakeFlow {
    return new FakeFlow(this, transport, { address: remoteAddress, port: remotePort });
  }

  inject(text: string, flow: Flow): void {
    this.user?.onMessage(Buffer.from(text.replace(/\r?\n/g, '\r\n')), flow);
  }

  /** Parsed messages sent so far (responses and requests). */
  messages(): (SipRequest | SipResponse)[] {
    return this.sent.map((s) => {
      const p = parseMessage(s.data);
      if (!p.ok) throw new Error('sent an unparsable message: ' + p.error.reason + '\n' + s.text);
      return p.message;
    });
  }

  responses(): SipResponse[] {
    return this.messages().filter((m): m is SipResponse => m.kind === 'response');
  }

  requests(): SipRequest[] {
    return this.messages().filter((m): m is SipRequest => m.kind === 'request');
  }

  clear(): void {
    this.sent.length = 0;
  }
}

/** A request as text with the usual headers; `extra` rows go before Content-Length. */
export function requestText(
  method: string,
  opts: {
    uri?: string;
    branch?: string;
    via?: string;
    cseq?: number;
    cseqMethod?: string;
    callId?: string;
    fromTag?: string;
    toTag?: string;
    extra?: string[];
    body?: string;
  } = {},
): string {
  const via = opts.via ?? `SIP/2.0/UDP 127.0.0.1:40000;branch=${opts.branch ?? 'z9hG4bK-test-1'};rport`;
  const body = opts.body ?? '';
  return [
    `${method} ${opts.uri ?? 'sip:beckon@127.0.0.1:5060'} SIP/2.0`,
    `Via: ${via}`,
    'Max-Forwards: 70',
    `From: <sip:alice@127.0.0.1>;tag=${opts.fromTag ?? 'from1'}`,
    `To: <sip:beckon@127.0.0.1>${opts.toTag ? ';tag=' + opts.toTag : ''}`,
    `Call-ID: ${opts.callId ?? 'call-1@test'}`,
    `CSeq: ${opts.cseq ?? 1} ${opts.cseqMethod ?? method}`,
    ...(opts.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}
