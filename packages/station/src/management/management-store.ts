import type { ManagementRequest } from './management-request.js';

/** One audit-log row: who did what to which subject. */
export interface AuditEntry {
  /** Epoch ms. */
  readonly at: number;
  /** Operator, `station`, or a device identity. */
  readonly actor: string | null;
  /** What it is about (`mgmt-request:<id>`, `call-home:<address>`). */
  readonly subject: string;
  /** `created`, `queued->notified`, `call-home-refused`, ... */
  readonly action: string;
  readonly detail?: Record<string, unknown>;
}

/**
 * Durable management requests and audit log. `saveRequest` resolves once the row is committed; audit
 * rows and transitions are group-committed with it.
 */
export interface ManagementStore {
  saveRequest(req: ManagementRequest, audit?: AuditEntry): Promise<void>;
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Requests not in a final state (restart). */
  loadOpenRequests(): ManagementRequest[] | Promise<ManagementRequest[]>;
  /** Last non-empty NOTIFY per device (restart of the rate limiter). */
  lastNotified(): Map<string, number> | Promise<Map<string, number>>;
  getRequest(id: string): ManagementRequest | undefined | Promise<ManagementRequest | undefined>;
  flush(): Promise<void>;
}

/** In-memory store (tests, and stations without a database). */
export class MemoryManagementStore implements ManagementStore {
  readonly requests = new Map<string, ManagementRequest>();
  readonly audit: AuditEntry[] = [];

  saveRequest(req: ManagementRequest, audit?: AuditEntry): Promise<void> {
    this.requests.set(req.id, { ...req });
    if (audit) this.audit.push(audit);
    return Promise.resolve();
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    this.audit.push(entry);
    return Promise.resolve();
  }

  loadOpenRequests(): ManagementRequest[] {
    return [...this.requests.values()]
      .filter((r) => r.state === 'queued' || r.state === 'notified' || r.state === 'session-open')
      .map((r) => ({ ...r }));
  }

  lastNotified(): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of this.requests.values())
      if (r.device !== null && r.notifiedAt !== null && r.notifiedAt > (m.get(r.device) ?? 0))
        m.set(r.device, r.notifiedAt);
    return m;
  }

  getRequest(id: string): ManagementRequest | undefined {
    const r = this.requests.get(id);
    return r ? { ...r } : undefined;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}
