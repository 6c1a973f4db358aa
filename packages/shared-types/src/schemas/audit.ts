import { z } from 'zod';
import { pageQueryShape } from './page.js';

const id = z.string().min(1).max(200);

/** `GET /v1/audit-logs`: filters (all optional, combined with AND) and the page. */
export const auditLogQuerySchema = z
  .strictObject({
    ...pageQueryShape,
    /** An action name, as `GET /v1/audit-logs/actions` lists them (`template.save`). */
    action: z.string().min(1).max(100).optional(),
    /** The member behind the change (`mbr_…`), or a key id. */
    actorId: id.optional(),
    /** What was changed: `project`, `key`, `template`, `member`, `admin_token`… */
    resourceType: z.string().min(1).max(100).optional(),
    resourceId: id.optional(),
    projectId: id.optional(),
    /** Entries at or after this time (ISO 8601). */
    from: z.iso.datetime({ offset: true }).optional(),
    /** Entries before this time (ISO 8601). */
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .describe('Filters of the audit log.');

/** One entry of the audit log: who changed what, when, with which credential, from where. */
export const auditLogSchema = z
  .object({
    id: z.string(),
    action: z.string(),
    at: z.iso.datetime(),
    accountId: z.string().nullable(),
    projectId: z.string().nullable(),
    /** `member`, `admin_token`, `key`, `cli` or `system`. */
    actorType: z.string(),
    /** The member (or key) behind the change; null for the CLI and the relay itself. */
    actorId: z.string().nullable(),
    /** `session:<id>`, `admin_token:<id>`, `key:<id>`, `cli` or `system`. */
    credential: z.string().nullable(),
    resourceType: z.string().nullable(),
    resourceId: z.string().nullable(),
    /** The resource before and after the change, secrets replaced by `"[redacted]"` and recipients masked. */
    before: z.unknown(),
    after: z.unknown(),
    /** More about the change (redacted the same way). */
    detail: z.record(z.string(), z.unknown()).nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
  })
  .describe('One entry of the audit log.');

/** An action name of the audit log and what it records. */
export const auditActionSchema = z
  .object({ action: z.string(), description: z.string() })
  .describe('An action name of the audit log.');

/** `GET /v1/audit-logs/actions`. */
export const auditActionsResponseSchema = z
  .object({ data: z.array(auditActionSchema) })
  .describe('Every action name the audit log records.');

export type AuditLogQuery = z.input<typeof auditLogQuerySchema>;
export type AuditLog = z.output<typeof auditLogSchema>;
export type AuditAction = z.output<typeof auditActionSchema>;
