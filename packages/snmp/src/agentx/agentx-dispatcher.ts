import { compareOid } from '../ber/oid.js';
import { END_OF_MIB_VIEW, type VarBind } from '../ber/snmp-value.js';
import type { RequestContext, SetAction, SetTransaction } from '../mib/mib-handler.js';
import type { MibRegistry } from '../mib/mib-registry.js';
import { ErrorStatus } from '../proto/pdu.js';
import { SecurityModelId } from '../proto/security-model.js';
import { AgentxError, AgentxPduType, type AgentxPduBody, type AgentxSearchRange } from './agentx-pdu.js';

/** Phases of the one pending SET transaction of a session (RFC 2741 §7.2.4). */
export enum AgentxSetPhase {
  Tested = 'tested',
  TestFailed = 'testFailed',
  Committed = 'committed',
  CommitFailed = 'commitFailed',
  Undone = 'undone',
}

interface PendingSet {
  transactionId: number;
  phase: AgentxSetPhase;
  actions: SetAction[];
  /** How many actions committed successfully (undo goes back over these). */
  committed: number;
}

export interface AgentxDispatcherInit {
  registry: MibRegistry;
  /** The context this subagent serves ('' = default context). */
  context?: string;
  /** Bound on GetBulk output varbinds (default 2,000). */
  maxBulkVarbinds?: number;
}

const EMPTY = Buffer.alloc(0);

type ResponseBody = Extract<AgentxPduBody, { type: AgentxPduType.Response }>;

/**
 * Maps the AgentX requests of one session (Get, GetNext, GetBulk and the four SET phases)
 * onto a MibRegistry. Holds at most one pending SET transaction.
 */
export class AgentxDispatcher {
  private pending: PendingSet | undefined;
  private readonly ctx: RequestContext;
  private readonly context: Buffer;
  private readonly maxBulk: number;

  constructor(private readonly init: AgentxDispatcherInit) {
    this.context = Buffer.from(init.context ?? '', 'utf8');
    this.maxBulk = init.maxBulkVarbinds ?? 2000;
    // Access control is the master agent's (RFC 2741 §7.2: the master applies its view before
    // dispatching); handlers see the AgentX session as the requester.
    this.ctx = {
      securityModel: SecurityModelId.any,
      securityName: 'agentx',
      securityLevel: 'noAuthNoPriv',
      contextName: init.context ?? '',
    };
  }

  get pendingSet(): AgentxSetPhase | undefined {
    return this.pending?.phase;
  }

  /**
   * The Response body for a request PDU, or undefined when none is sent (CleanupSet, §7.2.4.4:
   * no response is sent for it).
   */
  handle(pdu: AgentxPduBody, transactionId: number, upTime: number): ResponseBody | undefined {
    const resp = (error: number, index: number, varbinds: VarBind[]): ResponseBody => ({
      type: AgentxPduType.Response,
      sysUpTime: upTime,
      error,
      index,
      varbinds,
    });
    // §7.2.3 / §7.2.4.1: requests carry the context they address; this session serves one.
    const t = pdu.type;
    if (
      t === AgentxPduType.Get ||
      t === AgentxPduType.GetNext ||
      t === AgentxPduType.GetBulk ||
      t === AgentxPduType.TestSet
    ) {
      const c = pdu.context ?? EMPTY;
      if (!c.equals(this.context)) return resp(AgentxError.unsupportedContext, 0, []);
    }
    switch (pdu.type) {
      case AgentxPduType.Get:
        return resp(0, 0, this.get(pdu.ranges));
      case AgentxPduType.GetNext:
        return resp(
          0,
          0,
          pdu.ranges.map((r) => this.next(r)),
        );
      case AgentxPduType.GetBulk:
        return resp(0, 0, this.bulk(pdu.nonRepeaters, pdu.maxRepetitions, pdu.ranges));
      case AgentxPduType.TestSet: {
        const r = this.testSet(pdu.varbinds, transactionId);
        return resp(r.error, r.index, []);
      }
      case AgentxPduType.CommitSet: {
        const r = this.commitSet(transactionId);
        return resp(r.error, r.index, []);
      }
      case AgentxPduType.UndoSet: {
        const r = this.undoSet(transactionId);
        return resp(r.error, r.index, []);
      }
      case AgentxPduType.CleanupSet:
        this.cleanupSet();
        return undefined;
      default:
        return resp(AgentxError.processingError, 0, []);
    }
  }

  /**
   * §7.2.3.1 Get: the value of each named variable, or noSuchObject /
   * noSuchInstance (the end OID of each SearchRange is ignored).
   */
  private get(ranges: readonly AgentxSearchRange[]): VarBind[] {
    return ranges.map((r) => this.init.registry.get(r.start, this.ctx));
  }

  /**
   * §7.2.3.2 GetNext: the first variable after the starting OID (or at it, when include is 1) and
   * before the ending OID (a null ending OID bounds nothing); when there is none, endOfMibView named
   * by the starting OID.
   */
  private next(r: AgentxSearchRange): VarBind {
    const reg = this.init.registry;
    let vb: VarBind | undefined;
    if (r.include) {
      const g = reg.get(r.start, this.ctx);
      const t = g.value.type;
      if (t !== 'NoSuchObject' && t !== 'NoSuchInstance' && t !== 'EndOfMibView') vb = g;
    }
    vb ??= reg.next(r.start, this.ctx);
    if (!vb || (r.end.length > 0 && compareOid(vb.oid, r.end) >= 0))
      return { oid: r.start, value: END_OF_MIB_VIEW };
    return vb;
  }

  /** §7.2.3.3 GetBulk: non-repeaters once, then up to max-repetitions rows of the repeaters. */
  private bulk(
    nonRepeaters: number,
    maxRepetitions: number,
    ranges: readonly AgentxSearchRange[],
  ): VarBind[] {
    const out: VarBind[] = [];
    const n = Math.min(nonRepeaters, ranges.length);
    for (let i = 0; i < n; i++) out.push(this.next(ranges[i]!));
    const reps = ranges.slice(n).map((r) => ({ ...r }));
    if (reps.length === 0) return out;
    for (let k = 0; k < maxRepetitions && out.length + reps.length <= this.maxBulk; k++) {
      let live = 0;
      for (const r of reps) {
        const vb = this.next(r);
        out.push(vb);
        if (vb.value.type !== 'EndOfMibView') {
          live++;
          r.start = vb.oid;
          r.include = false;
        }
      }
      if (live === 0) break;
    }
    return out;
  }

  /**
   * §7.2.4.1 TestSet: every varbind is tested (RFC 3416 phase 1); the first failure gives the
   * error and its 1-based index. The transaction stays pending for CommitSet or CleanupSet.
   */
  private testSet(varbinds: readonly VarBind[], transactionId: number): { error: number; index: number } {
    if (this.pending) this.cleanupSet();
    const p: PendingSet = { transactionId, phase: AgentxSetPhase.Tested, actions: [], committed: 0 };
    this.pending = p;
    const tx: SetTransaction = { ctx: this.ctx, scratch: new Map(), varbinds };
    for (let i = 0; i < varbinds.length; i++) {
      const vb = varbinds[i]!;
      const h = this.init.registry.find(vb.oid);
      if (!h || !h.testSet) {
        p.phase = AgentxSetPhase.TestFailed;
        return { error: ErrorStatus.notWritable, index: i + 1 };
      }
      const r = h.testSet(vb.oid, vb.value, tx);
      if (!r.ok) {
        p.phase = AgentxSetPhase.TestFailed;
        return { error: ErrorStatus[r.status], index: i + 1 };
      }
      p.actions.push(r.action);
    }
    return { error: 0, index: 0 };
  }

  /** §7.2.4.2 CommitSet: commit in order; a failure answers commitFailed with its index. */
  private commitSet(transactionId: number): { error: number; index: number } {
    const p = this.pending;
    if (!p || p.transactionId !== transactionId || p.phase !== AgentxSetPhase.Tested)
      return { error: AgentxError.processingError, index: 0 };
    for (let i = 0; i < p.actions.length; i++) {
      let ok: boolean;
      try {
        ok = p.actions[i]!.commit();
      } catch {
        ok = false;
      }
      if (!ok) {
        p.phase = AgentxSetPhase.CommitFailed;
        return { error: ErrorStatus.commitFailed, index: i + 1 };
      }
      p.committed = i + 1;
    }
    p.phase = AgentxSetPhase.Committed;
    return { error: 0, index: 0 };
  }

  /** §7.2.4.3 UndoSet: undo the committed assignments in reverse order; undoFailed when one cannot be. */
  private undoSet(transactionId: number): { error: number; index: number } {
    const p = this.pending;
    if (!p || p.transactionId !== transactionId) return { error: AgentxError.processingError, index: 0 };
    let failed = 0;
    for (let i = p.committed - 1; i >= 0; i--) {
      let ok: boolean;
      try {
        ok = p.actions[i]!.undo();
      } catch {
        ok = false;
      }
      if (!ok) failed = i + 1;
    }
    p.committed = 0;
    p.phase = AgentxSetPhase.Undone;
    return failed ? { error: ErrorStatus.undoFailed, index: failed } : { error: 0, index: 0 };
  }

  /** §7.2.4.4 CleanupSet: release every resource of the transaction. */
  cleanupSet(): void {
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    for (const a of p.actions) {
      try {
        a.cleanup?.();
      } catch {
        // a failing cleanup must not keep the session from going on
      }
    }
  }
}
