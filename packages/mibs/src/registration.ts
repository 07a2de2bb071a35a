import type { Logger } from '@beckon/ops';
import { formatOid, type MibHandler, type MibRegistry, type Oid } from '@beckon/snmp';

/** What a `register*` call returns: the subtrees it took, and a way to give them back. */
export interface Registration {
  /** Roots registered (Entry OIDs of tables, scalar OIDs). */
  readonly roots: readonly Oid[];
  /** Subtrees that could not be registered (overlap with an existing registration). */
  readonly errors: readonly string[];
  unregister(): void;
}

/** Registers every handler; an overlap is logged and reported, the others still register. */
export function registerOrLog(
  registry: MibRegistry,
  log: Logger,
  handlers: readonly (readonly [Oid, MibHandler])[],
): Registration {
  const roots: Oid[] = [];
  const errors: string[] = [];
  const undo: (() => void)[] = [];
  for (const [root, h] of handlers) {
    const r = registry.register(root, h);
    if (r.ok) {
      roots.push(root);
      undo.push(r.unregister);
    } else {
      errors.push(r.error);
      log.error({ oid: formatOid(root), error: r.error }, 'MIB subtree not registered');
    }
  }
  return {
    roots,
    errors,
    unregister: () => {
      for (const u of undo) u();
      undo.length = 0;
    },
  };
}

/** Merges several registrations into one. */
export function mergeRegistrations(parts: readonly Registration[]): Registration {
  return {
    roots: parts.flatMap((p) => p.roots),
    errors: parts.flatMap((p) => p.errors),
    unregister: () => parts.forEach((p) => p.unregister()),
  };
}
