import {
  conversationQuerySchema,
  defaultPageSize,
  inboundListQuerySchema,
  maxPageSize,
  type Conversation,
  type InboundMessage,
  type MessageSummary,
} from '@messagejs/shared-types';
import type { InboundFilter, PagePosition, Store } from '../../store/types.js';
import { systemPrincipal, type KeyPrincipal, type Principal } from '../../domain/principal.js';
import { AppError } from '../../domain/app-error.js';
import { maskAddress } from '../../domain/mask.js';
import { requirePermission } from '../../domain/permissions.js';
import { toValidationError } from '../../domain/validation.js';
import { readSignedCursor, signCursor } from '../../crypto/cursor.js';
import { messageSummary, seesFullNumbers } from '../messages/history.js';
import { projectFor } from '../projects/require-project.js';
import { inboundView } from './inbound-view.js';

/**
 * The inbound messages' history (issue 15): `GET /v1/inbound`, one message, and a conversation
 * with one address in both directions. The message history's rules (`messages/history.ts`):
 * `view_history` (secret keys; members and admin tokens naming the project), cursors signed and
 * bound to the project, the counterpart's number masked below owner and admin.
 */

export interface InboundHistoryDeps {
  store: Store;
  /** `deriveCursorKey(masterKey)`. */
  cursorKey: Buffer;
}

const PERMISSION_HINT = 'Inbound messages take a secret key (from a server) or a member’s credential.';

/** The caller's project, when the query names one: another is unseen, as in the message history. */
function sameProject(caller: KeyPrincipal, projectId: string | undefined): void {
  if (projectId !== undefined && projectId !== caller.project.id) {
    throw new AppError('project_not_found', `No project ${projectId.slice(0, 100)}.`, { field: 'projectId' });
  }
}

/** `GET /v1/inbound`: newest first, filtered, a page at a time. */
export async function listInbound(
  deps: InboundHistoryDeps,
  caller: KeyPrincipal,
  query: Record<string, string>,
): Promise<{ data: InboundMessage[]; nextCursor: string | null }> {
  requirePermission(caller, 'view_history', PERMISSION_HINT);
  const parsed = inboundListQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const q = parsed.data;
  sameProject(caller, q.projectId);
  const projectId = caller.project.id;
  const filter: InboundFilter = {
    ...(q.from !== undefined && { from: q.from }),
    ...(q.to !== undefined && { to: q.to }),
    ...(q.channel && { channel: q.channel }),
    ...(q.connectorId !== undefined && { connectorId: q.connectorId }),
    ...(q.userId !== undefined && { userId: q.userId }),
    ...(q.keyword && { keyword: q.keyword }),
    ...(q.since !== undefined && { receivedFrom: Date.parse(q.since) }),
    ...(q.until !== undefined && { receivedBefore: Date.parse(q.until) }),
  };
  const after = q.cursor ? readSignedCursor(deps.cursorKey, projectId, q.cursor) : undefined;
  const page = await deps.store.inbound.page(projectId, filter, {
    limit: q.limit ?? defaultPageSize,
    ...(after && { after }),
  });
  const full = seesFullNumbers(caller);
  return {
    data: page.items.map((m) => inboundView(m, full)),
    nextCursor: page.next ? signCursor(deps.cursorKey, projectId, page.next) : null,
  };
}

/** `GET /v1/inbound/:id`: another project's message, or none, is `404 inbound_not_found`. */
export async function getInbound(deps: InboundHistoryDeps, caller: KeyPrincipal, id: string): Promise<InboundMessage> {
  requirePermission(caller, 'view_history', PERMISSION_HINT);
  const found = /^inb_[0-9A-Za-z]{22}$/.test(id) ? await deps.store.inbound.get(caller.project.id, id) : null;
  if (!found) throw new AppError('inbound_not_found', 'No such inbound message in this project.', { field: 'id' });
  return inboundView(found, seesFullNumbers(caller));
}

type Item = { at: number; id: string; view: InboundMessage | MessageSummary };

/** Newest first by time, then id in byte order: the order both lists are read in. */
const newestFirst = (a: Item, b: Item) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * `GET /v1/inbound/conversations/:address`: what `address` sent the project and what the project
 * sent it, newest first. Both lists are read after the same position (time, then id: inbound and
 * message ids never meet, `inb_` < `msg_`), a page of each, merged; the next page starts after
 * the last item kept.
 */
export async function conversation(
  deps: InboundHistoryDeps,
  caller: KeyPrincipal,
  address: string,
  query: Record<string, string>,
): Promise<Conversation> {
  requirePermission(caller, 'view_history', PERMISSION_HINT);
  const parsed = conversationQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const q = parsed.data;
  sameProject(caller, q.projectId);
  const trimmed = address.trim();
  // eslint-disable-next-line no-control-regex -- an address holds no control character
  if (trimmed.length === 0 || trimmed.length > 320 || /[\u0000-\u001F\u007F]/.test(trimmed)) {
    throw new AppError('validation_failed', '`address` is not an address.', { field: 'address' });
  }
  const projectId = caller.project.id;
  const limit = q.limit ?? defaultPageSize;
  const after: PagePosition | undefined = q.cursor ? readSignedCursor(deps.cursorKey, projectId, q.cursor) : undefined;
  const page = { limit, ...(after && { after }) };
  const [inbound, outbound] = await Promise.all([
    deps.store.inbound.page(projectId, { from: trimmed }, page),
    deps.store.messages.page(projectId, { to: { exact: trimmed } }, page),
  ]);
  const full = seesFullNumbers(caller);
  const items: Item[] = [
    ...inbound.items.map((m) => ({ at: m.receivedAt, id: m.id, view: inboundView(m, full) })),
    ...outbound.items.map((m) => ({ at: m.createdAt, id: m.id, view: messageSummary(m, full) })),
  ].sort(newestFirst);
  const kept = items.slice(0, limit);
  const more = items.length > limit || inbound.next !== null || outbound.next !== null;
  const last = kept.at(-1);
  return {
    address: full ? trimmed : maskAddress(trimmed),
    data: kept.map((item) => item.view),
    nextCursor: more && last ? signCursor(deps.cursorKey, projectId, { key: last.at, id: last.id }) : null,
  };
}

/**
 * `messagejs-relay inbound list`: a project's newest inbound messages, in full (the operator holds
 * the database and the master key anyway), optionally from one sender.
 */
export async function recentInbound(
  store: Store,
  projectId: string,
  options: { from?: string; limit?: number },
  principal: Principal = systemPrincipal,
): Promise<InboundMessage[]> {
  const project = await projectFor(store, projectId, 'view_history', principal);
  const limit = options.limit ?? defaultPageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
    throw new AppError('validation_failed', `\`limit\` must be an integer from 1 to ${maxPageSize}.`, {
      field: 'limit',
    });
  }
  const from = options.from?.trim();
  const page = await store.inbound.page(project.id, from ? { from } : {}, { limit });
  return page.items.map((m) => inboundView(m, true));
}
