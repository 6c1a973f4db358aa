import {
  defaultPageSize,
  messageHistoryQuerySchema,
  type messageExportQuerySchema,
  type MessageSummary,
} from '@messagejs/shared-types';
import type { z } from 'zod';
import type { Message, MessageFilter, Store } from '../../store/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { requirePermission } from '../../domain/permissions.js';
import { toValidationError } from '../../domain/validation.js';
import { AppError } from '../../domain/app-error.js';
import { maskAddress, maskText } from '../../domain/mask.js';
import { isoTime } from '../../domain/iso-time.js';
import { readSignedCursor, signCursor } from '../../crypto/cursor.js';

export interface HistoryDeps {
  store: Store;
  /** `deriveCursorKey(masterKey)`: cursors are signed, and bound to their project. */
  cursorKey: Buffer;
}

/** A parsed query's filters: the history's and the export's are the same. */
type MessageExportQueryOut = Omit<z.output<typeof messageExportQuerySchema>, 'format'>;

const iso = (ms: number | null) => (ms === null ? null : isoTime(ms));

/**
 * Whether the caller reads full numbers: a secret key (the project's own server), and owners and
 * admins through their session or token; managers, senders and viewers read them masked, in the
 * provider's error text too.
 */
export function seesFullNumbers(caller: KeyPrincipal): boolean {
  const admin = caller.actingFor;
  return admin === undefined ? caller.key.kind === 'secret' : admin.role === 'owner' || admin.role === 'admin';
}

/** One message as the history answers it. */
export function messageSummary(m: Message, full: boolean): MessageSummary {
  return {
    id: m.id,
    projectId: m.projectId,
    direction: 'outbound',
    status: m.status,
    channel: m.channel,
    to: full ? m.to : maskAddress(m.to),
    template: m.template,
    templateVersion: m.templateVersion ?? null,
    connector: m.connectorId,
    country: m.country,
    operator: m.operator,
    // A message holding a secret keeps it sealed (then blanked): its text is never shown.
    subject: m.sensitive ? null : m.subject,
    body: m.sensitive ? null : m.body,
    segments: m.segments,
    encoding: m.encoding,
    cost: m.costEur === null || m.costMad === null ? null : { eur: m.costEur, mad: m.costMad },
    providerMessageId: m.providerMessageId,
    errorCode: m.errorCode,
    errorMessage: full || m.errorMessage === null ? m.errorMessage : maskText(m.errorMessage),
    createdAt: iso(m.createdAt)!,
    updatedAt: iso(m.updatedAt)!,
    sentAt: iso(m.sentAt),
    deliveredAt: iso(m.deliveredAt),
  };
}

/** The store's filter from a parsed history or export query, its project checked. */
export function historyFilter(caller: KeyPrincipal, q: MessageExportQueryOut): MessageFilter {
  // The access step chose the project (a key's own, or the one a member named): another is unseen.
  if (q.projectId !== undefined && q.projectId !== caller.project.id) {
    throw new AppError('project_not_found', `No project ${q.projectId}.`, { field: 'projectId' });
  }
  return {
    ...(q.status && { statuses: q.status }),
    ...(q.channel && { channel: q.channel }),
    ...(q.template !== undefined && { template: q.template }),
    ...(q.connector !== undefined && { connectorId: q.connector }),
    ...(q.country !== undefined && { country: q.country }),
    ...(q.operator !== undefined && { operator: q.operator }),
    ...(q.to !== undefined && { to: q.to.startsWith('+') ? { exact: q.to } : { suffix: q.to } }),
    ...(q.createdAfter !== undefined && { createdFrom: Date.parse(q.createdAfter) }),
    ...(q.createdBefore !== undefined && { createdBefore: Date.parse(q.createdBefore) }),
    ...(q.direction && { direction: q.direction }),
    ...(q.q !== undefined && { text: q.q }),
  };
}

/**
 * `GET /v1/messages`: the caller's project's messages, newest first, filtered, a page at a time
 * (`view_history`: secret keys, and members and admin tokens naming the project). Public keys sit
 * in page source: they read back one message they sent, never the history.
 */
export async function listMessages(
  deps: HistoryDeps,
  caller: KeyPrincipal,
  query: Record<string, string>,
): Promise<{ data: MessageSummary[]; nextCursor: string | null }> {
  requirePermission(caller, 'view_history', 'The history takes a secret key (from a server) or a member’s credential.');
  const parsed = messageHistoryQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const q = parsed.data;
  const projectId = caller.project.id;
  const filter = historyFilter(caller, q);
  const after = q.cursor ? readSignedCursor(deps.cursorKey, projectId, q.cursor) : undefined;
  const page = await deps.store.messages.page(projectId, filter, {
    limit: q.limit ?? defaultPageSize,
    ...(after && { after }),
  });
  const full = seesFullNumbers(caller);
  return {
    data: page.items.map((m) => messageSummary(m, full)),
    nextCursor: page.next ? signCursor(deps.cursorKey, projectId, page.next) : null,
  };
}
