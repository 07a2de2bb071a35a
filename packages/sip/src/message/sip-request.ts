import { isToken } from '../grammar/char-classes.js';
import { formatUri, parseUri, type Uri } from '../grammar/uri.js';
import { SipMessage } from './sip-message.js';

/**
 * A SIP request. `uri` is the parsed Request-URI, `rawUri` its text as received (or as formatted
 * when set from a `Uri`).
 */
export class SipRequest extends SipMessage {
  readonly kind = 'request' as const;
  readonly method: string;
  private _rawUri: string;
  private _uri: Uri;

  /**
   * @param method request method token (case-sensitive, e.g. `INVITE`)
   * @param uri Request-URI as a parsed `Uri` or as text; throws TypeError for a bad method or URI
   *   text (a programming error: network input goes through `parseMessage`).
   * @param rawUri with a parsed `uri`: the text to write on the wire (defaults to `formatUri(uri)`)
   */
  constructor(method: string, uri: Uri | string, rawUri?: string) {
    super();
    if (!isToken(method)) throw new TypeError(`bad SIP method ${JSON.stringify(method)}`);
    this.method = method;
    if (typeof uri === 'string') {
      const p = parseUri(uri);
      if (!p.ok) throw new TypeError(`bad Request-URI ${JSON.stringify(uri)}: ${p.reason}`);
      this._uri = p.value;
      this._rawUri = uri;
    } else {
      this._uri = uri;
      this._rawUri = rawUri ?? formatUri(uri);
    }
  }

  get uri(): Uri {
    return this._uri;
  }

  /** Replaces the Request-URI (e.g. when a proxy retargets). */
  set uri(u: Uri) {
    this._uri = u;
    this._rawUri = formatUri(u);
  }

  get rawUri(): string {
    return this._rawUri;
  }

  startLine(): string {
    return this.method + ' ' + this._rawUri + ' SIP/2.0';
  }

  /** Deep-enough copy: header rows are copied, the body buffer and parsed URI are shared. */
  clone(): SipRequest {
    return this.copyInto(new SipRequest(this.method, this._uri, this._rawUri));
  }
}
