import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  EngineClock,
  MibRegistry,
  SnmpAgent,
  SystemGroup,
  TransportSecurityModel,
  oid,
  registerSnmpEngineMib,
  registerTsmStatsMib,
  type Oid,
} from '../../../src/index.js';

export const DEVICE_ENGINE = Buffer.from('80001f8805646576696365', 'hex');
export const SYS_DESCR: Oid = oid('1.3.6.1.2.1.1.1.0');
export const SYSTEM: Oid = oid('1.3.6.1.2.1.1');

export interface TsmAgent {
  agent: SnmpAgent;
  tsm: TransportSecurityModel;
  metrics: MetricsRegistry;
  registry: MibRegistry;
}

/** A device-side agent with only the TSM: system group, snmpEngine, snmpTsmStats; `allowed` users read. */
export function tsmAgent(allowed: readonly string[], usePrefix = false): TsmAgent {
  const metrics = new MetricsRegistry();
  const registry = new MibRegistry();
  new SystemGroup({
    descr: 'Beckon device (TSM test)',
    objectId: oid('1.3.6.1.4.1.99999.100'),
    contact: 'ops@example.invalid',
    name: 'device-1',
    location: 'lab',
  }).register(registry);
  registerSnmpEngineMib(registry, {
    engineId: DEVICE_ENGINE,
    clock: new EngineClock({ engineBoots: 1 }),
    maxMessageSize: 65507,
  });
  const tsm = new TransportSecurityModel({
    engineId: DEVICE_ENGINE,
    metrics,
    usePrefix,
    log: silentLogger(),
  });
  registerTsmStatsMib(registry, tsm.stats, tsm.prefixConfig);
  const agent = new SnmpAgent({
    registry,
    access: {
      isAccessAllowed: (model, name, _level, viewType) =>
        model === 4 && allowed.includes(name) && viewType === 'read' ? 'accessAllowed' : 'noGroupName',
    },
    securityModels: [tsm],
    engineId: DEVICE_ENGINE,
    metrics,
    log: silentLogger(),
  });
  return { agent, tsm, metrics, registry };
}
