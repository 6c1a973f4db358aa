import { defaultPageSize, maxPageSize } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import type { Page, PagePosition, PageRequest } from '../../store/types/index.js';

/** The most items a page holds (issue 12), and how many when `limit` is left out. */
export const MAX_PAGE_SIZE = maxPageSize;
export const DEFAULT_PAGE_SIZE = defaultPageSize;

/** An opaque cursor: base64url of `[sortKey, id]` of the last item of the previous page. */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.key, position.id])).toString('base64url');
}

function decodeCursor(cursor: string): PagePosition | null {
  if (cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [key, id] = value as unknown[];
    if ((typeof key !== 'string' && typeof key !== 'number') || typeof id !== 'string') return null;
    return { key, id };
  } catch {
    return null;
  }
}

/**
 * The page a list request asks for, from its query (`?limit=&cursor=`): `limit` 1–200, default
 * 50; a cursor this relay did not hand out is refused. Both are `400 validation_failed` naming
 * the parameter.
 */
export function pageRequest(query: Record<string, string>): PageRequest {
  const { limit: rawLimit, cursor } = query;
  let limit = DEFAULT_PAGE_SIZE;
  if (rawLimit !== undefined) {
    limit = /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
      throw new AppError('validation_failed', `\`limit\` must be an integer from 1 to ${MAX_PAGE_SIZE}.`, {
        field: 'limit',
      });
    }
  }
  if (cursor === undefined || cursor === '') return { limit };
  const after = decodeCursor(cursor);
  if (!after) {
    throw new AppError(
      'validation_failed',
      '`cursor` is not a cursor this relay handed out: pass `nextCursor` as it is.',
      {
        field: 'cursor',
      },
    );
  }
  return { limit, after };
}

/** A list's answer: `{ data, nextCursor }`, `nextCursor` null on the last page. */
export function pageReply<T, V>(page: Page<T>, view: (item: T) => V): { data: V[]; nextCursor: string | null } {
  return { data: page.items.map(view), nextCursor: page.next ? encodeCursor(page.next) : null };
}
