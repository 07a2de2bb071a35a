import type { Logger, MetricsRegistry } from '@beckon/ops';
import type { SqliteDatabase } from '@beckon/store';
import type { ManagementProtocolRegistry } from '../management/management-protocol-registry.js';
import { SqliteTaskStore, type TaskStore } from '../tasks/task-store.js';
import {
  TaskService,
  type TaskAuditSink,
  type TaskManagementApi,
  type TaskServiceInit,
} from '../tasks/task-service.js';
import { callHomeProtocolRegistry } from './call-home-protocols.js';
import { MemoryDeviceTrustStore, type DeviceTrust } from './device-trust-store.js';
import { SnmpCallHomeHandler, type SnmpCallHomeInit } from './snmp-call-home-handler.js';

export interface CallHomeStackComponents {
  log: Logger;
  metrics: MetricsRegistry;
  /**
   * The management service, read when a task is dispatched (it is usually built after the listener,
   * which needs the handler first: pass `() => service`).
   */
  management: () => TaskManagementApi;
  /** The management store's audit_log (SqliteManagementStore / ManagementStore fit). */
  audit?: TaskAuditSink;
  /** Task database migrated with TASK_SQLITE_MIGRATIONS (openTaskDatabase), or a store of your own. */
  taskDb?: SqliteDatabase;
  taskStore?: TaskStore;
}

export interface CallHomeStackInit extends SnmpCallHomeInit {
  /** Devices the station accepts call-homes from, with their certificate / host key fingerprints. */
  trust: readonly DeviceTrust[];
  tasks?: TaskServiceInit;
}

export interface CallHomeStack {
  readonly tasks: TaskService;
  /** The listener's `sessions` (CallHomeSessionHandler). */
  readonly handler: SnmpCallHomeHandler;
  readonly trust: MemoryDeviceTrustStore;
  /** The management service's `protocols` (snmp-tls and snmp-ssh over the TCP carrier; snmp-tcp if on). */
  readonly protocols: ManagementProtocolRegistry;
}

/**
 * Everything issue 6 adds to a station, built in one place: device trust, the task service (the
 * session handler's work), the SNMP call-home session handler and the protocol registry. Start order:
 * build this, then the CallHomeListener with `sessions: stack.handler`, then the ManagementService with
 * `protocols: stack.protocols`, then `stack.tasks.start()` after `service.start()`.
 */
export function createCallHomeStack(c: CallHomeStackComponents, init: CallHomeStackInit): CallHomeStack {
  const trust = new MemoryDeviceTrustStore();
  for (const t of init.trust) {
    const e = trust.set(t);
    if (e) c.log.error({ device: t.device, error: e }, 'call-home trust entry ignored');
  }
  const store = c.taskStore ?? (c.taskDb ? new SqliteTaskStore(c.taskDb) : undefined);
  if (!store) throw new Error('createCallHomeStack: taskDb or taskStore is required');
  const tasks = new TaskService(
    {
      log: c.log,
      metrics: c.metrics,
      store,
      management: { request: (i) => c.management().request(i), get: (id) => c.management().get(id) },
      ...(c.audit ? { audit: c.audit } : {}),
    },
    init.tasks ?? {},
  );
  const handler = new SnmpCallHomeHandler(
    { log: c.log, metrics: c.metrics, trust, work: tasks, ...(c.audit ? { audit: c.audit } : {}) },
    init,
  );
  const protocols = callHomeProtocolRegistry({ snmpTcp: init.tcp?.enabled === true });
  return { tasks, handler, trust, protocols };
}
