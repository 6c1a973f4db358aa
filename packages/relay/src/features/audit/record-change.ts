import type { Store } from '../../store/types.js';
import { actorAccountId, actorId, actorName, credentialOf, type Actor, type AuditEntry } from '../../domain/actor.js';
import { redact } from '../../domain/redact.js';

/**
 * Writes one admin change to the audit log under its actor: who (and with which credential, from
 * which address), what, on which resource, with the resource before and after, secrets redacted.
 */
export function recordChange(store: Pick<Store, 'audit'>, actor: Actor, entry: AuditEntry): Promise<void> {
  return store.audit.record({
    projectId: entry.projectId,
    actor: actorName(actor),
    action: entry.action,
    ...(entry.detail && { detail: redact(entry.detail) as Record<string, unknown> }),
    at: entry.at,
    accountId: entry.accountId ?? actorAccountId(actor),
    actorId: actorId(actor),
    credential: credentialOf(actor),
    resourceType: entry.resource?.type ?? null,
    resourceId: entry.resource?.id ?? null,
    ...(entry.before !== undefined && { before: redact(entry.before) }),
    ...(entry.after !== undefined && { after: redact(entry.after) }),
    ip: actor.ip ?? null,
    userAgent: actor.userAgent ?? null,
    requestId: actor.requestId ?? null,
  });
}
