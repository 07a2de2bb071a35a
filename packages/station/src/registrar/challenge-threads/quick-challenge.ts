import { randomBytes } from 'node:crypto';
import {
  CALL_ID,
  CSEQ,
  DIGITS,
  HEADER_LINE,
  NAME_ADDR,
  registerHead,
  stampedViaText,
} from '../register-text.js';

export interface QuickChallengeComponents {
  /** WWW-Authenticate values of a fresh challenge (`DigestServer.challenge()`: one nonce for all). */
  readonly challenge: () => readonly string[];
}

export interface QuickChallengeInit {
  /** The registrar's domains (any case): the Request-URI and the To URI must name one. */
  readonly domains: readonly string[];
  /** Any domain is accepted (test rigs; `RegistrarInit.acceptAnyDomain`). */
  readonly acceptAnyDomain: boolean;
  /** Server header value ('' for none), as the full path sends it. */
  readonly serverHeader: string;
}

/**
 * The 401 challenge of a registrar challenge thread, built straight from the request's text for the
 * REGISTER every device sends first: one Via, one From, one To without tag for a user of the registrar's
 * domains, Call-ID, CSeq, no Require, no body. For such a request the full path (parse, stamp the Via,
 * `Registrar.processNow`, serialise) answers a 401 whose bytes are the same, the nonce and the To tag
 * aside: a Via asking for `rport` is stamped as the full path stamps it (RFC 3581 §4), a Via without it
 * must name the source address and port so that it needs no `received` (RFC 3261 §18.2.1), and the
 * Via, From, To, Call-ID and CSeq lines are copied as the full path copies them (RFC 3261 §8.2.6.2), with
 * the To tag added. Anything else (compact or folded headers, several Vias, a tag in To, other URI forms,
 * a body) gets `undefined`, and the caller runs the full path. The test `quick-challenge.test.ts`
 * compares both paths over generated and mutated requests.
 *
 * It saves the thread the message object, the registrar's checks and the serialiser: 3 to 5 ms of CPU
 * per 1,000 digest registrations (bench/RESULTS.md).
 */
export class QuickChallenge {
  private readonly challenge: () => readonly string[];
  private readonly domains: ReadonlySet<string> | undefined;
  private readonly tail: string;
  private readonly tagPrefix = randomBytes(4).toString('hex');
  private tagCounter = 0;

  constructor(components: QuickChallengeComponents, init: QuickChallengeInit) {
    this.challenge = components.challenge;
    this.domains = init.acceptAnyDomain ? undefined : new Set(init.domains.map((d) => d.toLowerCase()));
    this.tail =
      (init.serverHeader === '' ? '' : 'Server: ' + init.serverHeader + '\r\n') + 'Content-Length: 0\r\n\r\n';
  }

  /**
   * The 401 for `data` received from `sourceAddress`:`sourcePort`, to be sent back there, or undefined
   * when the full path must answer.
   */
  answer(data: Buffer, sourceAddress: string, sourcePort: number): Buffer | undefined {
    const head = registerHead(data);
    if (head === undefined || !this.isLocal(head.host)) return undefined;
    const { s, lineEnd, headEnd } = head;
    let via: string | undefined;
    let from: string | undefined;
    let to: string | undefined;
    let callId: string | undefined;
    let cseq: string | undefined;
    let maxForwards = false;
    // The copied lines in request order, as the full path writes them.
    let copied = '';
    let first = '';
    for (let p = lineEnd + 2; p < headEnd + 2;) {
      const e = s.indexOf('\r\n', p);
      const m = HEADER_LINE.exec(s.slice(p, e));
      p = e + 2;
      if (m === null) return undefined;
      const value = m[2] as string;
      switch ((m[1] as string).toLowerCase()) {
        case 'via': {
          const v = via === undefined ? stampedViaText(value, sourceAddress, sourcePort) : undefined;
          if (v === undefined) return undefined;
          via = v;
          // A stamped Via replaces the request's and becomes its first header (stampVia prepends it).
          if (v === value) copied += 'Via: ' + v + '\r\n';
          else first = 'Via: ' + v + '\r\n';
          break;
        }
        case 'from':
          if (from !== undefined || !NAME_ADDR.test(value)) return undefined;
          from = value;
          copied += 'From: ' + value + '\r\n';
          break;
        case 'to': {
          const t = NAME_ADDR.exec(value);
          // A To that already has a tag, or any To parameter, is left to the full path.
          if (to !== undefined || t === null || t[3] !== '' || !this.isLocal(t[2] as string))
            return undefined;
          to = value;
          copied += 'To: ' + value + ';tag=' + this.tagPrefix + (this.tagCounter++).toString(36) + '\r\n';
          break;
        }
        case 'call-id':
          if (callId !== undefined || !CALL_ID.test(value)) return undefined;
          callId = value;
          copied += 'Call-ID: ' + value + '\r\n';
          break;
        case 'cseq':
          if (cseq !== undefined || !CSEQ.test(value)) return undefined;
          cseq = value;
          copied += 'CSeq: ' + value + '\r\n';
          break;
        case 'max-forwards':
          if (maxForwards || !DIGITS.test(value)) return undefined;
          maxForwards = true;
          break;
        case 'content-length':
          if (value !== '0') return undefined;
          break;
        // Credentials go to the main thread; option tags to the full path's checks (420, 421).
        case 'authorization':
        case 'require':
        case 'timestamp':
          return undefined;
      }
    }
    if (
      via === undefined ||
      from === undefined ||
      to === undefined ||
      callId === undefined ||
      cseq === undefined
    )
      return undefined;
    let out = 'SIP/2.0 401 Unauthorized\r\n' + first + copied;
    for (const v of this.challenge()) out += 'WWW-Authenticate: ' + v + '\r\n';
    return Buffer.from(out + this.tail, 'latin1');
  }

  private isLocal(host: string): boolean {
    return this.domains === undefined || this.domains.has(host.toLowerCase());
  }
}
