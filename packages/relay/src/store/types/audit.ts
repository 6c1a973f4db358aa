import type { Page, PageRequest } from './page.js';

/** One row of the audit log. */
export interface AuditRecord {
  projectId: string | null;
  /** `cli`, `system`, `member`, `admin_token` or `key`. */
  actor: string;
  action: string;
  detail?: Record<string, unknown>;
  at: number;
  /** The account it belongs to; when null, the project's account (if any) is recorded. */
  accountId?: string | null;
  /** The member (or key) behind it. */
  actorId?: string | null;
  /** `session:<sid>`, `admin_token:<id>`, `key:<id>`, `cli` or `system`. */
  credential?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  /** Redacted JSON of the resource before and after the change. */
  before?: unknown;
  after?: unknown;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

/** A stored entry of the audit log, with its id. */
export interface StoredAuditRecord extends AuditRecord {
  id: string;
}

/** Filters of the audit log, combined with AND; `from` inclusive, `to` exclusive (ms since epoch). */
export interface AuditFilter {
  action?: string;
  actorId?: string;
  resourceType?: string;
  resourceId?: string;
  projectId?: string;
  from?: number;
  to?: number;
  /** Only entries of these projects (a member limited to some projects); null for every entry. */
  projectIds?: readonly string[] | null;
}

/** The audit log: who changed what, when, with which credential, from where. */
export interface AuditRepo {
  record(entry: AuditRecord): Promise<void>;
  /** A page of the account's entries, newest first. */
  page(accountId: string, filter: AuditFilter, page: PageRequest): Promise<Page<StoredAuditRecord>>;
  get(accountId: string, id: string): Promise<StoredAuditRecord | null>;
}
