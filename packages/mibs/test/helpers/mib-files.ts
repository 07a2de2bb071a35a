import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compareOid, isOidPrefix, type Oid } from '@beckon/snmp';

/**
 * A small reader of SMIv2 module text, for tests only: OBJECT IDENTIFIER assignments, OBJECT-TYPE,
 * NOTIFICATION-TYPE, MODULE-IDENTITY, OBJECT-GROUP, NOTIFICATION-GROUP and MODULE-COMPLIANCE macros,
 * with their `::= { parent n }` values resolved to numeric OIDs.
 */

export interface MibNode {
  name: string;
  module: string;
  kind: string;
  oid: Oid;
  /** OBJECT-TYPE MAX-ACCESS. */
  access?: string;
  /** OBJECT-GROUP OBJECTS, NOTIFICATION-GROUP NOTIFICATIONS, NOTIFICATION-TYPE OBJECTS. */
  members?: string[];
  /** MODULE-COMPLIANCE MANDATORY-GROUPS and GROUP clauses. */
  mandatoryGroups?: string[];
  optionalGroups?: string[];
}

/** The shared MIB folder: ../shared/mibs from the repository root (test/helpers -> repo root is 4 up). */
export function sharedMibDir(): string | undefined {
  const candidates = [
    fileURLToPath(new URL('../../../../../shared/mibs/', import.meta.url)),
    `${process.cwd()}/../shared/mibs/`,
  ];
  return candidates.find((d) => existsSync(`${d}SIP-COMMON-MIB`));
}

export const SIP_MIB_FILES = [
  'SIP-TC-MIB',
  'SIP-COMMON-MIB',
  'SIP-SERVER-MIB',
  'SIP-UA-MIB',
  'NETWORK-SERVICES-MIB',
];

const MACROS =
  'OBJECT-TYPE|NOTIFICATION-TYPE|MODULE-IDENTITY|OBJECT-GROUP|NOTIFICATION-GROUP|MODULE-COMPLIANCE|OBJECT-IDENTITY';

function list(body: string, keyword: string): string[] | undefined {
  const m = new RegExp(`${keyword}\\s*\\{([^}]*)\\}`).exec(body);
  return m
    ? m[1]!
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

export class MibTree {
  readonly byName = new Map<string, MibNode>();
  private sorted: MibNode[] = [];

  static load(dir: string, files: readonly string[] = SIP_MIB_FILES): MibTree {
    const t = new MibTree();
    const pending: {
      name: string;
      module: string;
      kind: string;
      parent: string;
      arc: number;
      body: string;
    }[] = [];
    for (const f of files) {
      const text = readFileSync(`${dir}${f}`, 'utf8')
        .replace(/"[^"]*"/g, '""')
        .replace(/--.*$/gm, '');
      const module = /^\s*([A-Z][\w-]*)\s+DEFINITIONS/m.exec(text)?.[1] ?? f;
      for (const m of text.matchAll(
        /\b([a-z][\w-]*)\s+OBJECT\s+IDENTIFIER\s*::=\s*\{\s*([a-zA-Z][\w-]*)\s+(\d+)\s*\}/g,
      ))
        pending.push({
          name: m[1]!,
          module,
          kind: 'OBJECT IDENTIFIER',
          parent: m[2]!,
          arc: Number(m[3]),
          body: '',
        });
      const re = new RegExp(
        `\\b([a-z][\\w-]*)\\s+(${MACROS})\\s([\\s\\S]*?)::=\\s*\\{\\s*([a-zA-Z][\\w-]*)\\s+(\\d+)\\s*\\}`,
        'g',
      );
      for (const m of text.matchAll(re))
        pending.push({ name: m[1]!, module, kind: m[2]!, parent: m[4]!, arc: Number(m[5]), body: m[3]! });
    }
    const known = new Map<string, Oid>([['mib-2', [1, 3, 6, 1, 2, 1]]]);
    let progress = true;
    while (progress) {
      progress = false;
      for (const p of pending) {
        if (known.has(p.name)) continue;
        const parent = known.get(p.parent);
        if (!parent) continue;
        const oid = [...parent, p.arc];
        known.set(p.name, oid);
        progress = true;
        const node: MibNode = { name: p.name, module: p.module, kind: p.kind, oid };
        if (p.kind === 'OBJECT-TYPE') node.access = /MAX-ACCESS\s+([\w-]+)/.exec(p.body)?.[1];
        if (p.kind === 'OBJECT-GROUP' || p.kind === 'NOTIFICATION-TYPE')
          node.members = list(p.body, 'OBJECTS');
        if (p.kind === 'NOTIFICATION-GROUP') node.members = list(p.body, 'NOTIFICATIONS');
        if (p.kind === 'MODULE-COMPLIANCE') {
          node.mandatoryGroups = list(p.body, 'MANDATORY-GROUPS') ?? [];
          node.optionalGroups = [...p.body.matchAll(/\bGROUP\s+([a-z][\w-]*)/g)].map((g) => g[1]!);
        }
        t.byName.set(p.name, node);
      }
    }
    t.sorted = [...t.byName.values()].sort((a, b) => compareOid(a.oid, b.oid));
    return t;
  }

  oid(name: string): Oid | undefined {
    return this.byName.get(name)?.oid;
  }

  /** The OBJECT-TYPE an instance OID belongs to (longest prefix). */
  objectOf(instance: Oid): MibNode | undefined {
    let best: MibNode | undefined;
    for (const n of this.sorted)
      if (
        n.kind === 'OBJECT-TYPE' &&
        isOidPrefix(n.oid, instance) &&
        (!best || n.oid.length > best.oid.length)
      )
        best = n;
    return best;
  }

  /** Objects of the groups a compliance statement names (mandatory, or all including GROUP clauses). */
  complianceObjects(compliance: string, includeOptional: boolean): string[] {
    const c = this.byName.get(compliance);
    if (!c) return [];
    const groups = [...(c.mandatoryGroups ?? []), ...(includeOptional ? (c.optionalGroups ?? []) : [])];
    return groups.flatMap((g) =>
      this.byName.get(g)?.kind === 'OBJECT-GROUP' ? (this.byName.get(g)?.members ?? []) : [],
    );
  }
}
