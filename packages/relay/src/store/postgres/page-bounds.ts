import type { PageRequest } from '../types/index.js';

const NUL = '\u0000';

/**
 * The `after` bounds of a newest-first list, `(created_at, id) < ($afterKey, $afterId)`, selecting
 * exactly the rows `afterBounds` of `sqlite/page.ts` selects there, also for a cursor a caller
 * forged (any string or number key, any id), where PostgreSQL would otherwise fail the statement:
 * - a key that is not a number (SQLite binds NaN as NULL: nothing follows) → null, no rows;
 * - a key past ±2^53 (stored keys are ms timestamps, well inside) → every row, or none;
 * - a fractional key k → `(ceil(k), '')`, the same rows of an integer column;
 * - an id holding U+0000, which no PostgreSQL row holds: `id < 'p\0…'` is `id < 'p\u0001'`
 *   in byte order (the id columns use the "C" collation, as SQLite compares BINARY).
 */
export function pgAfterBounds(page: PageRequest): { afterKey: number; afterId: string } | null {
  if (!page.after) return { afterKey: Number.MAX_SAFE_INTEGER, afterId: '' };
  const key = Number(page.after.key);
  if (Number.isNaN(key) || key < -Number.MAX_SAFE_INTEGER) return null;
  if (key > Number.MAX_SAFE_INTEGER) return { afterKey: Number.MAX_SAFE_INTEGER, afterId: '' };
  if (!Number.isInteger(key)) return { afterKey: Math.ceil(key), afterId: '' };
  const id = page.after.id;
  const nul = id.indexOf(NUL);
  return { afterKey: key, afterId: nul === -1 ? id : `${id.slice(0, nul)}\u0001` };
}
