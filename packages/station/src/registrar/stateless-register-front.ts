import { randomBytes } from 'node:crypto';
import type { Logger } from '@beckon/ops';
import {
  finishResponse,
  flowChannel,
  parseMessage,
  responseStatusLine,
  serializeResponse,
  responseChannel,
  stampVia,
  type FlowCloseReason,
  type Flow,
  type KeepAliveKind,
  type SipRequest,
  type TargetSender,
  type TransactionChannel,
  type TransportUser,
} from '@beckon/sip';
import type { Registrar } from './registrar.js';
import type { RegisterReply } from './register-reply.js';
import { hasHeader } from './challenge-threads/has-header.js';
import type { QuickRegister, QuickRegisterScanner } from './quick-register.js';
import type { VerifiedDatagrams } from './challenge-threads/verified-datagrams.js';

export interface StatelessRegisterFrontComponents {
  readonly log: Logger;
  readonly registrar: Registrar;
  /** Where stateless responses are sent through (the transport layer). */
  readonly transport: TargetSender;
  /** Everything that is not a REGISTER goes here unchanged (the SIP endpoint). */
  readonly next?: TransportUser;
  /**
   * The SIP core's message counters (`SipEndpoint.metrics`), so that REGISTERs answered here are counted in
   * `sip_requests_in` / `sip_responses_out` like every other request (one source of truth for the SIP MIB
   * and Prometheus).
   */
  readonly counters?: MessageCounters;
  /**
   * The quick path for the REGISTER that carries the registration (see `QuickRegisterScanner`); without
   * it every REGISTER is parsed.
   */
  readonly quick?: QuickRegisterScanner;
  /** Datagrams whose digest response a challenge thread verified (see VerifiedDatagrams). */
  readonly verified?: VerifiedDatagrams;
}

/** The part of the SIP core's counters the front writes. */
export interface MessageCounters {
  requestIn(method: string): void;
  responseOut(method: string, status: number): void;
}

export interface StatelessRegisterFrontInit {
  /** Server header value of the responses (default 'Beckon'; '' for none). */
  readonly serverHeader?: string;
  /** Largest message parsed, bytes (default 65535). */
  readonly maxMessageSize?: number;
}

// 'REGISTER ' in ASCII.
const REGISTER = Buffer.from('REGISTER ');

/**
 * The registrar's fast path: a {@link TransportUser} placed between the transport layer and the SIP
 * endpoint that answers REGISTER requests statelessly (RFC 3261 §8.2.7: "A stateless UAS is a UAS that
 * does not maintain transaction state. It replies to requests normally, but discards any state that
 * would ordinarily be retained by a UAS after a response has been sent"). A registrar's answer depends
 * only on the request and the location service, so no server transaction (and no Timer J per request,
 * 32 s of state over UDP) is needed; retransmissions are recognised by the registrar (see `Registrar`).
 *
 * Every other message (and a REGISTER that does not parse, so the endpoint answers the 400) is handed to
 * `next` untouched.
 */
export class StatelessRegisterFront implements TransportUser {
  private readonly log: Logger;
  private readonly registrar: Registrar;
  private readonly transport: TargetSender;
  private readonly serverRow: readonly [string, string] | undefined;
  private readonly maxMessageSize: number;
  private readonly counters: MessageCounters | undefined;
  private readonly quick: QuickRegisterScanner | undefined;
  private readonly verified: VerifiedDatagrams | undefined;
  private readonly tagPrefix = randomBytes(4).toString('hex');
  private tagCounter = 0;
  private stopped = false;
  next: TransportUser | undefined;

  constructor(components: StatelessRegisterFrontComponents, init: StatelessRegisterFrontInit = {}) {
    this.log = components.log.child({ component: 'station.registrar.front' });
    this.registrar = components.registrar;
    this.transport = components.transport;
    this.next = components.next;
    this.counters = components.counters;
    this.quick = components.quick;
    this.verified = components.verified;
    const server = init.serverHeader ?? 'Beckon';
    this.serverRow = server === '' ? undefined : ['Server', server];
    this.maxMessageSize = init.maxMessageSize ?? 65535;
  }

  /** Stops answering REGISTERs (they are dropped); other traffic still goes to `next`. */
  stop(): void {
    this.stopped = true;
  }

  onMessage(data: Buffer, flow: Flow): void {
    if (!startsWithRegister(data)) {
      this.next?.onMessage(data, flow);
      return;
    }
    if (this.stopped) return;
    // Over UDP, the common form skips the parser (a response over a stream would follow other rules).
    // A REGISTER without credentials that needs them is challenged by the full path: not scanned twice.
    // A REGISTER a challenge thread read and verified comes with its record: not read again.
    const scanned = this.verified?.take(data);
    if (
      scanned !== undefined ||
      (this.quick !== undefined &&
        !flow.reliable &&
        (!this.registrar.requiresCredentials || hasHeader(data, 'authorization')))
    ) {
      const q = scanned?.register ?? this.quick?.scan(data, flow.remote.address, flow.remote.port);
      if (q !== undefined) {
        const reply = this.registrar.processQuick(q, flow, scanned?.verified);
        if (reply !== 'full') {
          this.counters?.requestIn('REGISTER');
          if (reply instanceof Promise)
            reply.then(
              (r) => {
                if (r) this.respondQuick(q, flow, r);
              },
              (err: unknown) => this.log.error({ err }, 'registrar failed'),
            );
          else if (reply) this.respondQuick(q, flow, reply);
          return;
        }
      }
    }
    const parsed = parseMessage(data, { requireContentLength: flow.reliable, maxSize: this.maxMessageSize });
    if (!parsed.ok || parsed.message.kind !== 'request') {
      this.next?.onMessage(data, flow);
      return;
    }
    const req = parsed.message;
    // RFC 3261 §18.2.1 / RFC 3581 §4: received/rport in the top Via, as the SIP core does.
    if (!stampVia(req, flow)) return;
    this.counters?.requestIn('REGISTER');
    // A challenge or a rejection is answered in this very turn; a change waits for its commit.
    const reply = this.registrar.processNow(req, flow);
    if (reply instanceof Promise)
      reply.then(
        (r) => {
          if (r) this.respond(req, flow, r);
        },
        (err: unknown) => this.log.error({ err }, 'registrar failed'),
      );
    else if (reply) this.respond(req, flow, reply);
  }

  onKeepAlive(flow: Flow, kind: KeepAliveKind): void {
    this.next?.onKeepAlive?.(flow, kind);
  }

  onFlowClosed(flow: Flow, reason: FlowCloseReason): void {
    this.next?.onFlowClosed?.(flow, reason);
  }

  private respond(req: SipRequest, flow: Flow, reply: RegisterReply): void {
    const via = req.topVia();
    if (!via) return;
    // No named closure per response (tsx keeps function names with one Object.defineProperty each).
    try {
      // §8.2.6.2: "the UAS MUST add a tag to the To header field in the response"; a stateless UAS must
      // produce the same tag for a retransmission only if it keeps no state, which To tags of REGISTER
      // responses do not matter for (no dialog), so a cheap counter-based tag is used. The bytes are
      // those of createResponse(...).serialize() with the Server header last, built in one pass.
      const data = serializeResponse(req, reply.status, reply.reason, {
        toTag: this.nextToTag(),
        headers: this.replyRows(reply),
      });
      // §18.2.2 (with RFC 3581 §4): where a response goes, decided from the stamped top Via.
      this.transmit(responseChannel(this.transport, flow, via), data, reply.status);
    } catch (err) {
      this.notSent(err, reply.status);
    }
  }

  /**
   * The response to a quick REGISTER: the bytes `respond` would send for the parsed request (the lines
   * copied in request order, the To tag added), sent back over the request's flow, which is where §18.2.2
   * sends it for every Via the scanner accepts.
   */
  private respondQuick(q: QuickRegister, flow: Flow, reply: RegisterReply): void {
    try {
      const head =
        responseStatusLine(reply.status, reply.reason) +
        q.before +
        'To: ' +
        q.to +
        ';tag=' +
        this.nextToTag() +
        '\r\n' +
        q.after;
      const data = finishResponse(head, { headers: this.replyRows(reply) });
      this.transmit(flowChannel(flow), data, reply.status);
    } catch (err) {
      this.notSent(err, reply.status);
    }
  }

  /** A To tag for a response (see `respond`). */
  private nextToTag(): string {
    return this.tagPrefix + (this.tagCounter++).toString(36);
  }

  /** The reply's header rows, with the Server header last. */
  private replyRows(reply: RegisterReply): Iterable<readonly [string, string]> {
    return this.serverRow === undefined ? reply.headers : [...reply.headers, this.serverRow];
  }

  /** Sends a response over `channel` and counts it; a failed send is logged (never thrown). */
  private transmit(channel: TransactionChannel, data: Buffer, status: number): void {
    const p = channel.send(data);
    if (p !== undefined) p.then(undefined, (err: unknown) => this.notSent(err, status));
    this.counters?.responseOut('REGISTER', status);
  }

  private notSent(err: unknown, status: number): void {
    this.log.debug({ err, status }, 'REGISTER response not sent');
  }
}

/** True when the message in `data` is a REGISTER request (its start line begins `REGISTER `). */
export function startsWithRegister(data: Buffer): boolean {
  let i = 0;
  // Leading CRLFs before a request are allowed on streams (RFC 3261 §7.5) and skipped by the parser.
  while (i < data.length && (data[i] === 0x0d || data[i] === 0x0a)) i++;
  if (data.length - i < REGISTER.length) return false;
  for (let k = 0; k < REGISTER.length; k++) if (data[i + k] !== REGISTER[k]) return false;
  return true;
}
