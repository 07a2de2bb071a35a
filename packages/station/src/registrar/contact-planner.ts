import { StringInterner, flatCopy } from '@beckon/ops';
import { formatUri, type Contact, type Flow } from '@beckon/sip';
import { identifyInstrument } from '../instrument/index.js';
import { contactKey, type Binding, type BindingFlow } from '../location/index.js';
import type { RegisterRejectReason } from './register-reply.js';
import type { RegisterHeaders } from './register-headers.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One Contact of a REGISTER turned into the binding it asks for, with its key and granted expiry (s). */
export interface ContactPlan {
  readonly binding: Binding;
  readonly key: string;
  readonly expires: number;
}

/** The bindings a REGISTER asks for, or the rejection the registrar answers instead. */
export type ContactPlanResult =
  | { readonly ok: true; readonly contacts: ContactPlan[]; readonly outbound: boolean }
  | {
      readonly ok: false;
      readonly reason: RegisterRejectReason;
      readonly status: number;
      readonly phrase?: string;
      readonly headers: [string, string][];
    };

/** What the contact planner keeps of the registrar's settings (validated by the registrar). */
export interface ContactPlannerInit {
  readonly minExpires: number;
  readonly maxExpires: number;
  readonly defaultExpires: number;
  /** Seed 002 method 1 and method 2 on or off, and the separator of method 1. */
  readonly byDigest: boolean;
  readonly byInstance: boolean;
  readonly separator: string;
}

/** The contact parameters of every binding registered without any (one shared, frozen object). */
const NO_CONTACT_PARAMS: Readonly<Record<string, string | null>> = Object.freeze({});

/**
 * §10.3 step 7 of the registrar for each Contact of a REGISTER: the expiry granted (the contact's
 * parameter, else the Expires header, else the default; 423 below the minimum), the RFC 5626 instance and
 * reg-id, the instrument of seed 002, and the binding to store.
 */
export class ContactPlanner {
  private readonly minExpires: number;
  private readonly maxExpires: number;
  private readonly defaultExpires: number;
  private readonly byDigest: boolean;
  private readonly byInstance: boolean;
  private readonly separator: string;
  /** User-Agent values, interned: a fleet sends a handful of distinct ones. */
  private readonly userAgents = new StringInterner(256);
  /** The flow of the last REGISTER and its BindingFlow (a peer sends many in a row). */
  private lastFlow: { readonly of: Flow; readonly value: BindingFlow } | undefined;

  constructor(init: ContactPlannerInit) {
    this.minExpires = init.minExpires;
    this.maxExpires = init.maxExpires;
    this.defaultExpires = init.defaultExpires;
    this.byDigest = init.byDigest;
    this.byInstance = init.byInstance;
    this.separator = init.separator;
  }

  /** Steps 7's expiry rules and the binding for each contact; 423 when one asks for too short a time. */
  plan(
    req: RegisterHeaders,
    flow: Flow,
    aor: string,
    contacts: readonly Contact[],
    ctx: {
      callId: string;
      cseq: number;
      now: number;
      headerExpires: number | undefined;
      path: readonly string[];
      digestUsername: string | undefined;
      authUser: string | undefined;
    },
  ): ContactPlanResult {
    const out: ContactPlan[] = [];
    let outbound = false;
    let regIds = 0;
    const userAgent = req.get('user-agent');
    for (const c of contacts) {
      // §10.3 step 7 / §10.2.1.1: the expires parameter, else the Expires header, else the local default.
      const expires = c.expires ?? ctx.headerExpires ?? this.defaultExpires;
      // "the registrar MAY [...] reject the registration with a 423 (Interval Too Brief) [...] The
      // response MUST contain a Min-Expires header field that states the minimum expiration interval".
      if (expires !== 0 && expires < this.minExpires)
        return {
          ok: false,
          reason: 'interval-too-brief',
          status: 423,
          headers: [['Min-Expires', String(this.minExpires)]],
        };
      const granted = Math.min(expires, this.maxExpires);
      // RFC 5626 §6: a reg-id without +sip.instance is ignored; with one, the binding is keyed by
      // (instance, reg-id) and replaces the one registered over an earlier flow.
      const regId = c.instance !== undefined ? c.regId : undefined;
      if (regId !== undefined) {
        regIds++;
        outbound = true;
      }
      const identity = identifyInstrument({
        digestUsername: this.byDigest ? ctx.digestUsername : undefined,
        sipInstance: this.byInstance ? c.instance : undefined,
        separator: this.separator,
      });
      let params: Record<string, string | null> | undefined;
      for (const [k, v] of c.params)
        if (k !== 'expires') (params ??= {})[k] = v === null ? null : flatCopy(v);
      const binding: Mutable<Binding> = {
        aor,
        contact: formatUri(c.uri),
        contactParams: params ?? NO_CONTACT_PARAMS,
        // Stored strings are made flat copies where the record is made (makeBindingRecord).
        callId: ctx.callId,
        cseq: ctx.cseq,
        expiresAt: ctx.now + granted * 1000,
        flow: this.bindingFlow(flow),
        receivedAt: ctx.now,
      };
      if (c.displayName !== undefined) binding.displayName = c.displayName;
      if (c.instance !== undefined) binding.instance = c.instance;
      if (regId !== undefined) binding.regId = regId;
      if (identity.instrument !== undefined) binding.instrument = identity.instrument;
      if (ctx.authUser !== undefined) binding.authUser = ctx.authUser;
      if (ctx.path.length > 0) binding.path = ctx.path;
      if (userAgent !== undefined) binding.userAgent = this.userAgents.intern(userAgent);
      out.push({ binding, key: contactKey(binding), expires: granted });
    }
    // RFC 5626 §6 (paraphrased): a REGISTER with more than one Contact carrying reg-id is invalid (400).
    if (regIds > 1)
      return {
        ok: false,
        reason: 'bad-request',
        status: 400,
        phrase: 'Multiple Contacts With reg-id',
        headers: [],
      };
    return { ok: true, contacts: out, outbound };
  }

  /** The flow a binding records (the same frozen object for the same flow in a row). */
  private bindingFlow(flow: Flow): BindingFlow {
    const last = this.lastFlow;
    if (last !== undefined && last.of === flow) return last.value;
    const value: BindingFlow = Object.freeze({
      transport: flow.transport,
      localAddress: flow.local.address,
      localPort: flow.local.port,
      remoteAddress: flow.remote.address,
      remotePort: flow.remote.port,
      flowId: flow.id,
    });
    this.lastFlow = { of: flow, value };
    return value;
  }
}
