import { parseOid, type Oid } from '../ber/oid.js';
import { securityLevelRank, type SecurityLevel } from '../proto/security-model.js';
import type { AccessControl, AccessStatus, ViewType } from './access-control.js';
import { MibView, parseViewMask, type ViewTreeFamily } from './mib-view.js';
import { SECURITY_MODEL_NUMBER, type VacmConfig } from './vacm-config.js';

/** RFC 3415 §3.2 errorIndication values other than accessAllowed. */
export type VacmErrorIndication = Exclude<AccessStatus, 'accessAllowed'>;

export type VacmViewResult = { ok: true; view: MibView } | { ok: false; error: VacmErrorIndication };

interface AccessEntry {
  readonly groupName: string;
  readonly contextPrefix: string;
  readonly prefixMatch: boolean;
  readonly securityModel: number;
  readonly securityLevel: number;
  readonly views: Readonly<Record<ViewType, string>>;
}

export type VacmCreateResult = { ok: true; vacm: ViewBasedAccessControl } | { ok: false; errors: string[] };

/**
 * The View-based Access Control Model (RFC 3415). Tables are built once from a `VacmConfig`; the
 * outcome of steps 1-4 of §3.2 for a (model, name, level, context, viewType) tuple is cached so the
 * per-variable cost is one `MibView.contains` walk.
 */
export class ViewBasedAccessControl implements AccessControl {
  private readonly contexts: ReadonlySet<string>;
  private readonly groups = new Map<string, string>();
  private readonly accessByGroup = new Map<string, AccessEntry[]>();
  private readonly views = new Map<string, MibView>();
  private readonly resolved = new Map<string, VacmViewResult>();
  private static readonly MAX_CACHED = 10_000;

  /** Throws on an invalid configuration (validate first with `validateVacmConfig` or use `create`). */
  constructor(config: VacmConfig) {
    const errors = validateVacmConfig(config);
    if (errors.length > 0) throw new Error(`invalid VACM configuration: ${errors.join('; ')}`);
    this.contexts = new Set(config.contexts ?? ['']);
    for (const g of config.groups) {
      this.groups.set(groupKey(SECURITY_MODEL_NUMBER[g.securityModel], g.securityName), g.groupName);
    }
    for (const a of config.access) {
      const e: AccessEntry = {
        groupName: a.groupName,
        contextPrefix: a.contextPrefix ?? '',
        prefixMatch: a.contextMatch === 'prefix',
        securityModel: SECURITY_MODEL_NUMBER[a.securityModel ?? 'any'],
        securityLevel: securityLevelRank(a.securityLevel ?? 'noAuthNoPriv'),
        views: { read: a.readView ?? '', write: a.writeView ?? '', notify: a.notifyView ?? '' },
      };
      const list = this.accessByGroup.get(e.groupName) ?? [];
      list.push(e);
      this.accessByGroup.set(e.groupName, list);
    }
    const families = new Map<string, Map<string, ViewTreeFamily>>();
    for (const v of config.views) {
      const parsed = parseOid(v.subtree);
      const subtree = parsed.ok ? parsed.oid : [];
      const mask = parseViewMask(v.mask ?? '') as Buffer;
      const byName = families.get(v.viewName) ?? new Map<string, ViewTreeFamily>();
      byName.set(subtree.join('.'), { subtree, mask, type: v.type ?? 'included' });
      families.set(v.viewName, byName);
    }
    for (const [name, fams] of families) this.views.set(name, new MibView(name, [...fams.values()]));
  }

  static create(config: VacmConfig): VacmCreateResult {
    const errors = validateVacmConfig(config);
    return errors.length > 0 ? { ok: false, errors } : { ok: true, vacm: new ViewBasedAccessControl(config) };
  }

  /** The named view, if configured. */
  view(name: string): MibView | undefined {
    return this.views.get(name);
  }

  /** The group of (securityModel, securityName) from vacmSecurityToGroupTable. */
  groupOf(securityModel: number, securityName: string): string | undefined {
    return this.groups.get(groupKey(securityModel, securityName));
  }

  /**
   * RFC 3415 §3.2 steps 1-4 (everything but the variable check): which MIB view applies.
   */
  resolveView(
    securityModel: number,
    securityName: string,
    securityLevel: SecurityLevel,
    contextName: string,
    viewType: ViewType,
  ): VacmViewResult {
    const key = `${securityModel}\u0000${securityLevel}\u0000${viewType}\u0000${contextName}\u0000${securityName}`;
    const hit = this.resolved.get(key);
    if (hit) return hit;
    const r = this.resolveUncached(securityModel, securityName, securityLevel, contextName, viewType);
    if (this.resolved.size >= ViewBasedAccessControl.MAX_CACHED) this.resolved.clear();
    this.resolved.set(key, r);
    return r;
  }

  /**
   * RFC 3415 §3.2 isAccessAllowed. `variableName` absent = only check that some view applies (as the
   * notification originator does before it has variables).
   */
  isAccessAllowed(
    securityModel: number,
    securityName: string,
    securityLevel: SecurityLevel,
    viewType: ViewType,
    contextName: string,
    variableName?: Oid,
  ): AccessStatus {
    const r = this.resolveView(securityModel, securityName, securityLevel, contextName, viewType);
    if (!r.ok) return r.error;
    // §3.2 step 5: "If the specified variableName (object instance) is not in the MIB view ... then
    // an errorIndication (notInView) is returned." Otherwise "accessAllowed".
    if (variableName !== undefined && !r.view.contains(variableName)) return 'notInView';
    return 'accessAllowed';
  }

  /** isAccessAllowed with steps 1-4 resolved once: the returned function only does step 5. */
  accessChecker(
    securityModel: number,
    securityName: string,
    securityLevel: SecurityLevel,
    viewType: ViewType,
    contextName: string,
  ): (oid: Oid) => AccessStatus {
    const r = this.resolveView(securityModel, securityName, securityLevel, contextName, viewType);
    if (!r.ok) {
      const error = r.error;
      return () => error;
    }
    const view = r.view;
    return (oid) => (view.contains(oid) ? 'accessAllowed' : 'notInView');
  }

  private resolveUncached(
    securityModel: number,
    securityName: string,
    securityLevel: SecurityLevel,
    contextName: string,
    viewType: ViewType,
  ): VacmViewResult {
    // §3.2 step 1: "The vacmContextTable is consulted for information about the SNMP context
    // identified by the contextName. If information about this SNMP context is absent from the
    // table, then an errorIndication (noSuchContext) is returned."
    if (!this.contexts.has(contextName)) return { ok: false, error: 'noSuchContext' };
    // Step 2: "The vacmSecurityToGroupTable is consulted for mapping the securityModel and
    // securityName to a groupName. If the information about this combination is absent ... then an
    // errorIndication (noGroupName) is returned."
    const group = this.groups.get(groupKey(securityModel, securityName));
    if (group === undefined) return { ok: false, error: 'noGroupName' };
    // Step 3: "The vacmAccessTable is consulted for information about the groupName, contextName,
    // securityModel and securityLevel. If information about this combination is absent from the
    // table, then an errorIndication (noAccessEntry) is returned."
    const entry = selectAccessEntry(
      this.accessByGroup.get(group) ?? [],
      contextName,
      securityModel,
      securityLevelRank(securityLevel),
    );
    if (!entry) return { ok: false, error: 'noAccessEntry' };
    // Step 4: "a) If the viewType is "read", then the read view is used ... b) "write" ... c)
    // "notify" ... If the view to be used is the empty view (zero length viewName) then an
    // errorIndication (noSuchView) is returned."
    const viewName = entry.views[viewType];
    if (viewName === '') return { ok: false, error: 'noSuchView' };
    const view = this.views.get(viewName);
    if (!view) return { ok: false, error: 'noSuchView' };
    return { ok: true, view };
  }
}

function groupKey(model: number, name: string): string {
  return `${model}\u0000${name}`;
}

/** vacmAccessTable DESCRIPTION: the selection rules 1) and 2a)-2d). */
function selectAccessEntry(
  entries: readonly AccessEntry[],
  contextName: string,
  securityModel: number,
  securityLevel: number,
): AccessEntry | undefined {
  // 1) group (already), context exact or prefix match, model equal or any, level <= requested.
  let set = entries.filter(
    (e) =>
      (e.contextPrefix === contextName || (e.prefixMatch && contextName.startsWith(e.contextPrefix))) &&
      (e.securityModel === securityModel || e.securityModel === 0) &&
      e.securityLevel <= securityLevel,
  );
  if (set.length <= 1) return set[0];
  // a) "if the subset of entries with securityModel matching the securityModel in the message is not
  //    empty, then discard the rest."
  const byModel = set.filter((e) => e.securityModel === securityModel);
  if (byModel.length > 0) set = byModel;
  // b) "if the subset of entries with vacmAccessContextPrefix matching the contextName in the message
  //    is not empty, then discard the rest"
  const exact = set.filter((e) => e.contextPrefix === contextName);
  if (exact.length > 0) set = exact;
  // c) "discard all entries with ContextPrefixes shorter than the longest one remaining in the set"
  const longest = Math.max(...set.map((e) => e.contextPrefix.length));
  set = set.filter((e) => e.contextPrefix.length === longest);
  // d) "select the entry with the highest securityLevel"
  let best = set[0];
  for (const e of set) if (best === undefined || e.securityLevel > best.securityLevel) best = e;
  return best;
}

const SNMP_ADMIN_STRING_MAX = 32;

/** Checks a configuration; returns human-readable problems (empty when valid). */
export function validateVacmConfig(config: VacmConfig): string[] {
  const errors: string[] = [];
  const models = Object.keys(SECURITY_MODEL_NUMBER);
  const levels = ['noAuthNoPriv', 'authNoPriv', 'authPriv'];
  for (const [i, c] of (config.contexts ?? []).entries()) {
    if (typeof c !== 'string' || Buffer.byteLength(c) > SNMP_ADMIN_STRING_MAX) {
      errors.push(`contexts[${i}]: must be a string of at most 32 octets`);
    }
  }
  for (const [i, g] of config.groups.entries()) {
    if (!models.includes(g.securityModel) || (g.securityModel as string) === 'any') {
      errors.push(`groups[${i}]: securityModel must be one of v1, v2c, usm`);
    }
    if (!g.securityName || Buffer.byteLength(g.securityName) > SNMP_ADMIN_STRING_MAX) {
      errors.push(`groups[${i}]: securityName must be 1..32 octets`);
    }
    if (!g.groupName || Buffer.byteLength(g.groupName) > SNMP_ADMIN_STRING_MAX) {
      errors.push(`groups[${i}]: groupName must be 1..32 octets`);
    }
  }
  const viewNames = new Set(config.views.map((v) => v.viewName));
  for (const [i, a] of config.access.entries()) {
    if (!a.groupName) errors.push(`access[${i}]: groupName is required`);
    if (a.securityModel !== undefined && !models.includes(a.securityModel)) {
      errors.push(`access[${i}]: unknown securityModel ${String(a.securityModel)}`);
    }
    if (a.securityLevel !== undefined && !levels.includes(a.securityLevel)) {
      errors.push(`access[${i}]: unknown securityLevel ${String(a.securityLevel)}`);
    }
    if (a.contextMatch !== undefined && a.contextMatch !== 'exact' && a.contextMatch !== 'prefix') {
      errors.push(`access[${i}]: contextMatch must be exact or prefix`);
    }
    if (Buffer.byteLength(a.contextPrefix ?? '') > SNMP_ADMIN_STRING_MAX) {
      errors.push(`access[${i}]: contextPrefix longer than 32 octets`);
    }
    for (const k of ['readView', 'writeView', 'notifyView'] as const) {
      const v = a[k];
      if (v && !viewNames.has(v)) errors.push(`access[${i}]: ${k} '${v}' is not defined in views`);
    }
  }
  for (const [i, v] of config.views.entries()) {
    if (!v.viewName || Buffer.byteLength(v.viewName) > SNMP_ADMIN_STRING_MAX) {
      errors.push(`views[${i}]: viewName must be 1..32 octets`);
    }
    const oid = parseOid(v.subtree);
    if (!oid.ok) errors.push(`views[${i}]: subtree '${v.subtree}': ${oid.error}`);
    if (parseViewMask(v.mask ?? '') === undefined)
      errors.push(`views[${i}]: mask '${v.mask}' is not hex of <= 16 octets`);
    if (v.type !== undefined && v.type !== 'included' && v.type !== 'excluded') {
      errors.push(`views[${i}]: type must be included or excluded`);
    }
  }
  return errors;
}
