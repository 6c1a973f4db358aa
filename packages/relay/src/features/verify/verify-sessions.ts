import {
  defaultPageSize,
  verifySessionsQuerySchema,
  type VerifySessionDetail,
  type VerifySessionStatus,
  type VerifySessionSummary,
  type VerifyChannel,
} from '@messagejs/shared-types';
import type { z } from 'zod';
import type { Store, VerifySession, VerifySessionFilter } from '../../store/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { requirePermission } from '../../domain/permissions.js';
import { toValidationError } from '../../domain/validation.js';
import { AppError } from '../../domain/app-error.js';
import { maskAddress } from '../../domain/mask.js';
import { readSignedCursor, signCursor } from '../../crypto/cursor.js';
import { seesFullNumbers } from '../messages/history.js';
import { SESSION_ID } from './start-verification.js';

export interface VerifySessionsDeps {
  store: Store;
  /** `deriveCursorKey(masterKey)`: cursors are signed, and bound to their project. */
  cursorKey: Buffer;
  now: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const PERMISSION_HINT = 'Verification sessions take a secret key (from a server) or a member’s credential.';

/** A session's status as the history shows it at `now`: a pending one whose code ran out is expired. */
export function shownStatus(session: VerifySession, now: number): VerifySessionStatus {
  return session.status === 'pending' && session.expiresAt <= now ? 'expired' : session.status;
}

/**
 * One session as the list answers it: never its code nor the code's hash; the recipient masked
 * unless the caller `seesFullNumbers`.
 */
export function verifySessionSummary(s: VerifySession, full: boolean, now: number): VerifySessionSummary {
  return {
    id: s.id,
    projectId: s.projectId,
    status: shownStatus(s, now),
    // Sessions are only ever started on a verification channel.
    channel: s.channel as VerifyChannel,
    to: full ? s.to : maskAddress(s.to),
    country: s.country,
    sends: s.sends,
    checks: s.attempts + (s.status === 'approved' ? 1 : 0),
    attempts: s.attempts,
    maxAttempts: s.maxAttempts,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    lastSentAt: iso(s.lastSentAt),
    expiresAt: iso(s.expiresAt),
    verifiedAt: s.verifiedAt === null ? null : iso(s.verifiedAt),
  };
}

/** The store's filter from a parsed query, its project checked as the message history checks it. */
function sessionsFilter(
  caller: KeyPrincipal,
  q: z.output<typeof verifySessionsQuerySchema>,
  now: number,
): VerifySessionFilter {
  if (q.projectId !== undefined && q.projectId !== caller.project.id) {
    throw new AppError('project_not_found', `No project ${q.projectId}.`, { field: 'projectId' });
  }
  return {
    now,
    ...(q.status && { statuses: q.status }),
    ...(q.channel && { channel: q.channel }),
    ...(q.country !== undefined && { country: q.country }),
    ...(q.to !== undefined && { to: q.to.startsWith('+') ? { exact: q.to } : { suffix: q.to } }),
    ...(q.createdAfter !== undefined && { createdFrom: Date.parse(q.createdAfter) }),
    ...(q.createdBefore !== undefined && { createdBefore: Date.parse(q.createdBefore) }),
  };
}

/**
 * `GET /v1/verify/sessions`: the caller's project's verification sessions, newest first,
 * filtered, a page at a time, with the message history's rules (`messages/history.ts`):
 * `view_history` (secret keys, members and admin tokens naming the project), signed cursors bound
 * to the project, numbers masked below owner and admin.
 */
export async function listVerifySessions(
  deps: VerifySessionsDeps,
  caller: KeyPrincipal,
  query: Record<string, string>,
): Promise<{ data: VerifySessionSummary[]; nextCursor: string | null }> {
  requirePermission(caller, 'view_history', PERMISSION_HINT);
  const parsed = verifySessionsQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const q = parsed.data;
  const projectId = caller.project.id;
  const now = deps.now();
  const filter = sessionsFilter(caller, q, now);
  const after = q.cursor ? readSignedCursor(deps.cursorKey, projectId, q.cursor) : undefined;
  const page = await deps.store.verify.page(projectId, filter, {
    limit: q.limit ?? defaultPageSize,
    ...(after && { after }),
  });
  const full = seesFullNumbers(caller);
  return {
    data: page.items.map((s) => verifySessionSummary(s, full, now)),
    nextCursor: page.next ? signCursor(deps.cursorKey, projectId, page.next) : null,
  };
}

/**
 * `GET /v1/verify/sessions/:id`: one session of the caller's project and the ids of the messages
 * that carried its codes (never the code). Another project's session, or none, is
 * `404 verify_session_not_found`: ids of other projects are not confirmed to exist.
 */
export async function getVerifySession(
  deps: VerifySessionsDeps,
  caller: KeyPrincipal,
  id: string,
): Promise<VerifySessionDetail> {
  requirePermission(caller, 'view_history', PERMISSION_HINT);
  const session = SESSION_ID.test(id) ? await deps.store.verify.get(id) : null;
  if (!session || session.projectId !== caller.project.id) {
    throw new AppError('verify_session_not_found', 'No such verification session in this project.', { field: 'id' });
  }
  return { ...verifySessionSummary(session, seesFullNumbers(caller), deps.now()), messageIds: session.messageIds };
}
