import {
  defaultPageSize,
  messageHistoryQuerySchema,
  type InboundMessage,
  type messageExportQuerySchema,
  type MessageSummary,
} from '@messagejs/shared-types';
import type { z } from 'zod';
import type { InboundFilter, Message, MessageFilter, PagePosition, Store } from '../../store/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { requirePermission } from '../../domain/permissions.js';
import { toValidationError } from '../../domain/validation.js';
import { AppError } from '../../domain/app-error.js';
import { maskAddress, maskText } from '../../domain/mask.js';
import { isoTime } from '../../domain/iso-time.js';
import { readSignedCursor, signCursor } from '../../crypto/cursor.js';
import { inboundView } from '../inbound/inbound-view.js';
import { optionsView } from './message-options.js';

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
    ...optionsView(m),
  };
}

/**
 * The store's filter from a parsed history or export query, its project checked. `caller` is a
 * key principal, or just the project the CLI's operator named (`messages list`).
 */
export function historyFilter(caller: Pick<KeyPrincipal, 'project'>, q: MessageExportQueryOut): MessageFilter {
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
    ...(q.reference !== undefined && { reference: q.reference }),
    ...(q.to !== undefined && { to: q.to.startsWith('+') ? { exact: q.to } : { suffix: q.to } }),
    ...(q.createdAfter !== undefined && { createdFrom: Date.parse(q.createdAfter) }),
    ...(q.createdBefore !== undefined && { createdBefore: Date.parse(q.createdBefore) }),
    ...(q.direction && { direction: q.direction }),
    ...(q.q !== undefined && { text: q.q }),
  };
}

/**
 * The inbound messages' filter of a history query with `direction=inbound` (their `to` is the
 * project's number; `createdAfter` and `createdBefore` bound the time they were received). The
 * filters only sent messages have are refused, naming the filter: an inbound message has none of
 * them, and an empty page would hide the mistake.
 */
export function inboundFilterOf(filter: MessageFilter): InboundFilter {
  const sentOnly: Array<[string, unknown]> = [
    ['status', filter.statuses],
    ['template', filter.template],
    ['country', filter.country],
    ['operator', filter.operator],
    ['reference', filter.reference],
  ];
  for (const [field, value] of sentOnly) {
    if (value !== undefined) {
      throw new AppError(
        'validation_failed',
        `\`${field}\` filters sent messages: it does not apply with \`direction=inbound\`.`,
        { field },
      );
    }
  }
  return {
    ...(filter.channel && { channel: filter.channel }),
    ...(filter.connectorId !== undefined && { connectorId: filter.connectorId }),
    ...(filter.to && ('exact' in filter.to ? { to: filter.to.exact } : { toSuffix: filter.to.suffix })),
    ...(filter.createdFrom !== undefined && { receivedFrom: filter.createdFrom }),
    ...(filter.createdBefore !== undefined && { receivedBefore: filter.createdBefore }),
    ...(filter.text !== undefined && { text: filter.text }),
  };
}

/** A history query as `GET /v1/messages` takes it, validated: the store's filter and the page it asks for. */
export interface HistoryQuery {
  filter: MessageFilter;
  /** `limit`, when given (1–200). */
  limit: number | undefined;
  cursor: string | undefined;
}

/**
 * Parses a history query (`status`, `to`, `createdAfter`, `limit`, …, as strings) with the API's
 * own schema, so the CLI's `messages list` and `tail` refuse exactly what `GET /v1/messages`
 * refuses, with the same `validation_failed` naming the same field.
 */
export function historyQuery(project: Pick<KeyPrincipal, 'project'>, query: Record<string, string>): HistoryQuery {
  const parsed = messageHistoryQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const q = parsed.data;
  return { filter: historyFilter(project, q), limit: q.limit, cursor: q.cursor };
}

/**
 * One page of a project's history, newest first: the cursor read and the next one signed for that
 * project (`invalid_cursor` for any other). `full`: whole numbers, for those `seesFullNumbers`
 * allows and the CLI's operator (who holds the database and the master key anyway).
 */
export async function historyPage(
  deps: HistoryDeps,
  project: KeyPrincipal['project'],
  query: Record<string, string>,
  full: boolean,
): Promise<{ data: Array<MessageSummary | InboundMessage>; nextCursor: string | null }> {
  const { filter, limit, cursor } = historyQuery({ project }, query);
  const after = cursor ? readSignedCursor(deps.cursorKey, project.id, cursor) : undefined;
  const request = { limit: limit ?? defaultPageSize, ...(after && { after }) };
  const next = (position: PagePosition | null) => (position ? signCursor(deps.cursorKey, project.id, position) : null);
  if (filter.direction === 'inbound') {
    const page = await deps.store.inbound.page(project.id, inboundFilterOf(filter), request);
    return { data: page.items.map((m) => inboundView(m, full)), nextCursor: next(page.next) };
  }
  const page = await deps.store.messages.page(project.id, filter, request);
  return { data: page.items.map((m) => messageSummary(m, full)), nextCursor: next(page.next) };
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
): Promise<{ data: Array<MessageSummary | InboundMessage>; nextCursor: string | null }> {
  requirePermission(caller, 'view_history', 'The history takes a secret key (from a server) or a member’s credential.');
  return historyPage(deps, caller.project, query, seesFullNumbers(caller));
}
