import { auditLogQuerySchema, type AuditAction, type AuditLog } from '@messagejs/shared-types';
import type { AuditFilter, Page, PageRequest, StoredAuditRecord, Store } from '../../store/types.js';
import type { AdminPrincipal } from '../../domain/principal.js';
import { requirePermission, visibleProject } from '../../domain/permissions.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { redact } from '../../domain/redact.js';
import { auditActions } from '../../domain/audit-actions.js';

/** What reading the audit log needs. */
export interface AuditDeps {
  store: Store;
}

/**
 * An entry as the API answers it. `before`, `after` and `detail` are redacted again on the way
 * out, so an entry written before redaction existed (or by a path that forgot) shows no secret.
 */
export function auditView(r: StoredAuditRecord): AuditLog {
  return {
    id: r.id,
    action: r.action,
    at: new Date(r.at).toISOString(),
    accountId: r.accountId ?? null,
    projectId: r.projectId,
    actorType: r.actor,
    actorId: r.actorId ?? null,
    credential: r.credential ?? null,
    resourceType: r.resourceType ?? null,
    resourceId: r.resourceId ?? null,
    before: redact(r.before) ?? null,
    after: redact(r.after) ?? null,
    detail: r.detail ? (redact(r.detail) as Record<string, unknown>) : null,
    ip: r.ip ?? null,
    userAgent: r.userAgent ?? null,
    requestId: r.requestId ?? null,
  };
}

/**
 * The filter of a list request, its project checked: one the principal does not see is `404
 * project_not_found`, as everywhere. A member limited to some projects sees their entries only.
 */
async function filterOf(deps: AuditDeps, principal: AdminPrincipal, query: Record<string, string>) {
  const parsed = auditLogQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { limit: _l, cursor: _c, from, to, ...rest } = parsed.data;
  if (rest.projectId !== undefined) {
    const project = await deps.store.projects.get(rest.projectId);
    if (!project || !visibleProject(principal, project)) {
      throw new AppError('project_not_found', `No project ${rest.projectId}.`, { field: 'projectId' });
    }
  }
  const filter: AuditFilter = {
    ...rest,
    ...(from !== undefined && { from: Date.parse(from) }),
    ...(to !== undefined && { to: Date.parse(to) }),
    projectIds: principal.projectIds && [...principal.projectIds],
  };
  return filter;
}

/** `GET /v1/audit-logs` (`view_audit`): the account's entries, newest first, filtered. */
export async function listAuditLogs(
  deps: AuditDeps,
  principal: AdminPrincipal,
  query: Record<string, string>,
  page: PageRequest,
): Promise<Page<StoredAuditRecord>> {
  requirePermission(principal, 'view_audit');
  return deps.store.audit.page(principal.accountId, await filterOf(deps, principal, query), page);
}

/** `GET /v1/audit-logs/:id` (`view_audit`): one entry of the account (another account's is a 404). */
export async function getAuditLog(deps: AuditDeps, principal: AdminPrincipal, id: string): Promise<AuditLog> {
  requirePermission(principal, 'view_audit');
  const entry = await deps.store.audit.get(principal.accountId, id);
  const visible =
    entry && (principal.projectIds === null || (entry.projectId !== null && principal.projectIds.has(entry.projectId)));
  if (!entry || !visible) {
    throw new AppError('audit_log_not_found', `No audit log entry ${id.slice(0, 40)}.`, { field: 'id' });
  }
  return auditView(entry);
}

/** `GET /v1/audit-logs/actions` (`view_audit`): every action name, with what it records. */
export function listAuditActions(principal: AdminPrincipal): AuditAction[] {
  requirePermission(principal, 'view_audit');
  return Object.entries(auditActions).map(([action, description]) => ({ action, description }));
}
