import { GroupCommit, type SqliteDatabase, type SqliteWrite } from '@beckon/store';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import { ManagementRequestState, type ManagementRequest } from './management-request.js';
import type { AuditEntry, ManagementStore } from './management-store.js';

export interface SqliteManagementStoreComponents {
  /** Migrated with MANAGEMENT_SQLITE_MIGRATIONS; opened and closed by the caller. */
  readonly db: SqliteDatabase;
  readonly log?: Logger;
  readonly metrics?: MetricsRegistry;
}

type Job = { req?: ManagementRequest; audit?: AuditEntry };

const UPSERT =
  'INSERT OR REPLACE INTO mgmt_requests (id, target, preferred, strict, requested_by, state, device, protocol, ' +
  'group_id, subscription_id, created_at, updated_at, deadline_at, notified_at, detail) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const AUDIT = 'INSERT INTO audit_log (at, actor, subject, action, detail) VALUES (?, ?, ?, ?, ?)';

interface Row {
  id: string;
  target: string;
  preferred: string | null;
  strict: number;
  requested_by: string | null;
  state: string;
  device: string | null;
  protocol: string | null;
  group_id: string | null;
  subscription_id: string | null;
  created_at: number;
  updated_at: number;
  deadline_at: number;
  notified_at: number | null;
  detail: string | null;
}

/** Management requests and the audit log in SQLite, group-committed. */
export class SqliteManagementStore implements ManagementStore {
  private readonly db: SqliteDatabase;
  private readonly gc: GroupCommit<Job>;

  constructor(components: SqliteManagementStoreComponents) {
    this.db = components.db;
    this.gc = new GroupCommit<Job>(
      { log: components.log, metrics: components.metrics },
      {
        name: 'management.sqlite',
        // One transaction per batch, on the database's writer thread when it has one (see SqliteWriter).
        commit: async (batch) => {
          // Several transitions of one request in a batch: only its last state needs writing.
          const last = new Map<string, ManagementRequest>();
          for (const j of batch) if (j.req) last.set(j.req.id, j.req);
          const ops: SqliteWrite[] = [];
          for (const j of batch) {
            const r = j.req;
            if (r && last.get(r.id) === r)
              ops.push({
                sql: UPSERT,
                params: [
                  r.id,
                  r.target,
                  r.preferred,
                  r.strict ? 1 : 0,
                  r.requestedBy,
                  r.state,
                  r.device,
                  r.protocol,
                  r.groupId,
                  r.subscriptionId,
                  r.createdAt,
                  r.updatedAt,
                  r.deadlineAt,
                  r.notifiedAt,
                  r.detail,
                ],
              });
            const a = j.audit;
            if (a)
              ops.push({
                sql: AUDIT,
                params: [a.at, a.actor, a.subject, a.action, a.detail ? JSON.stringify(a.detail) : null],
              });
          }
          await this.db.write(ops);
        },
      },
    );
  }

  saveRequest(req: ManagementRequest, audit?: AuditEntry): Promise<void> {
    return this.gc.submit(audit ? { req: { ...req }, audit } : { req: { ...req } });
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    return this.gc.submit({ audit: entry });
  }

  loadOpenRequests(): ManagementRequest[] {
    return this.db
      .all<Row>("SELECT * FROM mgmt_requests WHERE state IN ('queued', 'notified', 'session-open')")
      .map(fromRow);
  }

  lastNotified(): Map<string, number> {
    const rows = this.db.all<{ device: string; at: number }>(
      'SELECT device, MAX(notified_at) AS at FROM mgmt_requests WHERE device IS NOT NULL AND notified_at IS NOT NULL GROUP BY device',
    );
    return new Map(rows.map((r) => [r.device, Number(r.at)]));
  }

  getRequest(id: string): ManagementRequest | undefined {
    const r = this.db.get<Row>('SELECT * FROM mgmt_requests WHERE id = ?', [id]);
    return r ? fromRow(r) : undefined;
  }

  /** Audit rows of one subject, oldest first (tests, operator views). */
  auditOf(subject: string): AuditEntry[] {
    return this.db
      .all<{ at: number; actor: string | null; subject: string; action: string; detail: string | null }>(
        'SELECT at, actor, subject, action, detail FROM audit_log WHERE subject = ? ORDER BY seq',
        [subject],
      )
      .map((r) => ({
        at: Number(r.at),
        actor: r.actor,
        subject: r.subject,
        action: r.action,
        ...(r.detail !== null ? { detail: JSON.parse(r.detail) as Record<string, unknown> } : {}),
      }));
  }

  flush(): Promise<void> {
    return this.gc.flush();
  }

  close(): Promise<void> {
    return this.gc.close();
  }
}

function fromRow(r: Row): ManagementRequest {
  return {
    id: r.id,
    target: r.target,
    preferred: r.preferred,
    strict: r.strict !== 0,
    requestedBy: r.requested_by,
    state: r.state as ManagementRequestState,
    device: r.device,
    protocol: r.protocol,
    groupId: r.group_id,
    subscriptionId: r.subscription_id,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    deadlineAt: Number(r.deadline_at),
    notifiedAt: r.notified_at === null ? null : Number(r.notified_at),
    detail: r.detail,
  };
}
