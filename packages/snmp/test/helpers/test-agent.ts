import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  CommunityAccessControl,
  MibRegistry,
  ScalarHandler,
  SnmpAgent,
  SortedTable,
  SystemGroup,
  TableHandler,
  UdpTransport,
  oid,
  registerSnmpGroup,
  sortedTableSource,
  type Oid,
  type SecurityModel,
} from '../../src/index.js';

/** Private test arc (not a registered enterprise number in use by the project). */
export const TEST_ROOT = oid('1.3.6.1.4.1.99999');
export const TEST_ENTRY = [...TEST_ROOT, 1, 1, 1];
export const TEST_WRITABLE = [...TEST_ROOT, 2];

export interface TestRow {
  name: string;
  packets: number;
  octets: bigint;
}

export interface TestAgent {
  agent: SnmpAgent;
  transport: UdpTransport;
  port: number;
  registry: MibRegistry;
  metrics: MetricsRegistry;
  table: SortedTable<TestRow>;
  system: SystemGroup;
  writable: { value: number };
  close(): Promise<void>;
}

/** An agent on 127.0.0.1:<ephemeral> with the system group, snmp group, a table and a writable scalar. */
export async function startTestAgent(
  rows = 10_000,
  securityModels: readonly SecurityModel[] = [],
): Promise<TestAgent> {
  const metrics = new MetricsRegistry();
  const registry = new MibRegistry();
  const system = new SystemGroup({
    descr: 'Beckon test agent',
    objectId: [...TEST_ROOT, 100],
    contact: 'ops@example.invalid',
    name: 'beckon-test',
    location: 'lab',
  });
  system.register(registry);
  system.addObjectResource([...TEST_ROOT, 3], 'test MIB');
  const table = new SortedTable<TestRow>();
  for (let i = 1; i <= rows; i++)
    table.set([i], { name: `row-${i}`, packets: i * 3, octets: BigInt(i) * 1_000_000_000n });
  registry.register(
    TEST_ENTRY,
    new TableHandler(
      TEST_ENTRY,
      [1, 2, 3, 4],
      sortedTableSource(table, {
        1: (_r, idx: Oid) => ({ type: 'Integer', value: idx[0]! }),
        2: (r) => ({ type: 'OctetString', value: Buffer.from(r.name) }),
        3: (r) => ({ type: 'Counter32', value: r.packets }),
        4: (r) => ({ type: 'Counter64', value: r.octets }),
      }),
    ),
  );
  const writable = { value: 7 };
  registry.register(
    TEST_WRITABLE,
    new ScalarHandler(TEST_WRITABLE, {
      get: () => ({ type: 'Integer', value: writable.value }),
      set: {
        type: 'Integer',
        validate: (v) => (v.type === 'Integer' && v.value >= 0 && v.value <= 100 ? undefined : 'wrongValue'),
        apply: (v) => {
          if (v.type !== 'Integer') return false;
          writable.value = v.value;
          return true;
        },
      },
    }),
  );
  const access = new CommunityAccessControl([
    { community: 'public' },
    { community: 'private', access: 'read-write' },
  ]);
  const agent = new SnmpAgent({
    registry,
    access: {
      // v3 (toy security model in tests): user 'alice' reads and writes everything
      isAccessAllowed: (model, name, level, viewType, context, o) =>
        model === 3
          ? name === 'alice'
            ? 'accessAllowed'
            : 'noGroupName'
          : access.isAccessAllowed(model, name, level, viewType, context, o),
    },
    securityModels,
    resolveCommunity: (c) => access.resolve(c),
    engineId: Buffer.from('8000ea6003626563', 'hex'),
    metrics,
    log: silentLogger(),
  });
  registerSnmpGroup(registry, agent.stats);
  const transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
  agent.attach(transport);
  return {
    agent,
    transport,
    port: transport.localAddress.port,
    registry,
    metrics,
    table,
    system,
    writable,
    close: () => agent.close(),
  };
}
