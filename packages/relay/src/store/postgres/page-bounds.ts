import type { PageRequest } from '../types/index.js';
import { afterBounds } from '../sqlite/page.js';

const BIGINT_MAX = '9223372036854775807';
const BIGINT_MIN = '-9223372036854775808';
const MAX = BigInt(BIGINT_MAX);
const MIN = BigInt(BIGINT_MIN);

/**
 * The `after` bounds of a newest-first list (`sqlite/page.ts`'s `afterBounds`) as PostgreSQL
 * parameters that select exactly the rows SQLite selects, for any cursor a caller can send.
 *
 * A cursor's key is `Number(key)`: SQLite compares an integer column with NaN (bound as NULL:
 * nothing), a fraction or ±Infinity as numbers, where a BIGINT parameter would fail (22P02,
 * 22003). Keys become whole BIGINT text: NaN and -Infinity the least BIGINT (nothing is before
 * it), +Infinity and beyond the greatest, a fraction its ceiling with the empty id (`c < 1.5` is
 * `(c, id) < (2, '')`). An id holding NUL, which PostgreSQL text cannot carry, becomes the text
 * before the NUL plus U+0001: no stored id (free of NUL) sorts between the two.
 */
export function pgAfterBounds(page: PageRequest): { afterKey: string; afterId: string } {
  const { afterKey: key, afterId: rawId } = afterBounds(page);
  const nul = rawId.indexOf('\u0000');
  const id = nul === -1 ? rawId : `${rawId.slice(0, nul)}\u0001`;
  if (Number.isNaN(key) || key === -Infinity) return { afterKey: BIGINT_MIN, afterId: '' };
  if (key === Infinity) return { afterKey: BIGINT_MAX, afterId: '' };
  const whole = BigInt(Math.ceil(key));
  const afterId = Number.isInteger(key) ? id : '';
  if (whole > MAX) return { afterKey: BIGINT_MAX, afterId: '' };
  if (whole < MIN) return { afterKey: BIGINT_MIN, afterId: '' };
  return { afterKey: whole.toString(), afterId };
}

/** The `after` name of a by-name list: text holding NUL cut there (no stored name sorts between). */
export function pgAfterName(page: PageRequest): string {
  const after = page.after ? String(page.after.key) : '';
  const nul = after.indexOf('\u0000');
  return nul === -1 ? after : after.slice(0, nul);
}

/** Every stored BIGINT is below 2^53 in magnitude (see `pgTypes` in pg-db.ts). */
const LIMIT = 2 ** 53;

/**
 * A number a BIGINT column is compared with, as PostgreSQL can bind it, for the rows SQLite's
 * comparison with a REAL reads: for an integer column `k`, `k < 1.5` is `k < 2` and `k >= 1.5` is
 * `k >= 2`; beyond ±2^53 no stored value lies. Null for NaN, which SQLite binds as NULL: the
 * comparison holds for no row.
 */
export function integerBound(value: number): number | null {
  if (Number.isNaN(value)) return null;
  return Math.ceil(Math.min(Math.max(value, -LIMIT), LIMIT));
}
