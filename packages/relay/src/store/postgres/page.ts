import type { Page, PageRequest } from '../types/index.js';

/**
 * A page from rows read with `LIMIT limit + 1` in the list's order: the extra row only says
 * that another page follows, which then starts after the last row kept.
 */
export function toPage<R, T>(
  rows: R[],
  page: PageRequest,
  map: (row: R) => T,
  position: (row: R) => { key: string | number; id: string },
): Page<T> {
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  return { items: kept.map(map), next: more ? position(kept[kept.length - 1]!) : null };
}

/** The `after` bounds of a newest-first list: past the end of every key when there is no cursor. */
export function afterBounds(page: PageRequest): { afterKey: number; afterId: string } {
  return page.after
    ? { afterKey: Number(page.after.key), afterId: page.after.id }
    : { afterKey: Number.MAX_SAFE_INTEGER, afterId: '' };
}
