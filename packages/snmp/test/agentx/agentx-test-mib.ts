import {
  MibRegistry,
  ScalarHandler,
  SortedTable,
  TableHandler,
  oid,
  sortedTableSource,
  type Oid,
} from '../../src/index.js';

/** Private test arc for AgentX tests (not used by any product MIB). */
export const AX_ROOT = oid('1.3.6.1.4.1.99999.77');
export const AX_NAME = [...AX_ROOT, 1];
export const AX_COUNT = [...AX_ROOT, 2];
export const AX_WRITABLE = [...AX_ROOT, 3];
export const AX_ENTRY = [...AX_ROOT, 4, 1];

export interface AgentxTestMib {
  registry: MibRegistry;
  writable: { value: number; commits: number };
  rows: number;
}

/** Three scalars (one writable Integer 0..1000) and a table of `rows` rows with three columns. */
export function makeAgentxTestMib(rows = 1000): AgentxTestMib {
  const registry = new MibRegistry();
  const writable = { value: 5, commits: 0 };
  registry.register(
    AX_NAME,
    new ScalarHandler(AX_NAME, {
      get: () => ({ type: 'OctetString', value: Buffer.from('beckon-subagent') }),
    }),
  );
  registry.register(AX_COUNT, new ScalarHandler(AX_COUNT, { get: () => ({ type: 'Gauge32', value: rows }) }));
  registry.register(
    AX_WRITABLE,
    new ScalarHandler(AX_WRITABLE, {
      get: () => ({ type: 'Integer', value: writable.value }),
      set: {
        type: 'Integer',
        validate: (v) => (v.type === 'Integer' && v.value >= 0 && v.value <= 1000 ? undefined : 'wrongValue'),
        apply: (v) => {
          if (v.type !== 'Integer') return false;
          writable.value = v.value;
          writable.commits++;
          return true;
        },
      },
    }),
  );
  const table = new SortedTable<number>();
  for (let i = 1; i <= rows; i++) table.set([i], i);
  registry.register(
    AX_ENTRY,
    new TableHandler(
      AX_ENTRY,
      [1, 2, 3],
      sortedTableSource(table, {
        1: (_r, idx: Oid) => ({ type: 'Integer', value: idx[0]! }),
        2: (r) => ({ type: 'OctetString', value: Buffer.from(`row-${r}`) }),
        3: (r) => ({ type: 'Counter64', value: BigInt(r) * 1_000_000_007n }),
      }),
    ),
  );
  return { registry, writable, rows };
}
