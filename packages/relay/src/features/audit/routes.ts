import { auditActionsResponseSchema, auditLogQuerySchema, auditLogSchema, pageSchema } from '@messagejs/shared-types';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route } from '../../http/platform/route.js';
import { auditView, getAuditLog, listAuditActions, listAuditLogs, type AuditDeps } from './audit-log.js';

const tag = 'Audit log';

/** `GET /v1/audit-logs[/:id]` and `GET /v1/audit-logs/actions` (`view_audit`), behind the admin access step. */
export function auditRoutes(deps: AuditDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/audit-logs',
      doc: {
        summary: 'List the account’s audit log, newest first',
        tag,
        auth: 'admin',
        permission: 'view_audit',
        query: auditLogQuerySchema,
        responses: { 200: pageSchema(auditLogSchema) },
      },
      async handle(request) {
        const query = request.query();
        const page = pageRequest(query);
        return { body: pageReply(await listAuditLogs(deps, request.adminPrincipal(), query, page), auditView) };
      },
    },
    {
      method: 'GET',
      path: '/v1/audit-logs/actions',
      doc: {
        summary: 'List the action names of the audit log',
        tag,
        auth: 'admin',
        permission: 'view_audit',
        responses: { 200: auditActionsResponseSchema },
      },
      handle: (request) => ({ body: { data: listAuditActions(request.adminPrincipal()) } }),
    },
    {
      method: 'GET',
      path: '/v1/audit-logs/:id',
      doc: {
        summary: 'Get one audit log entry',
        tag,
        auth: 'admin',
        permission: 'view_audit',
        responses: { 200: auditLogSchema },
      },
      handle: async (request) => ({ body: await getAuditLog(deps, request.adminPrincipal(), request.params.id!) }),
    },
  ];
}
