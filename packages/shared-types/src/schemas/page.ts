import { z } from 'zod';

/** How many items a page may hold at most (issue 12). */
export const maxPageSize = 200;
/** How many items a page holds when `limit` is left out. */
export const defaultPageSize = 50;

/** `?limit=&cursor=` of every list. */
export const pageQueryShape = {
  /** Items per page, 1 to 200. @default 50 */
  limit: z.coerce.number().int().min(1).max(maxPageSize).optional().describe('Items per page, 1 to 200 (default 50).'),
  /** The `nextCursor` of the previous page, as it was answered. */
  cursor: z.string().max(400).optional().describe('The `nextCursor` of the previous page, as it was answered.'),
};

/** The query of a list with nothing to filter on: `?limit=&cursor=`. */
export const pageQuerySchema = z.strictObject(pageQueryShape).describe('A page of a list: `?limit=&cursor=`.');

/**
 * A page of a list: `{ data, nextCursor }`, `nextCursor` null on the last page. A function, and
 * under one name: the client's plain declarations (`scripts/wire-types.mjs`) leave functions and
 * `…Schema` constants out, but would print a `const` alias of it with its zod types.
 */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    /** Pass it as `cursor` for the next page; null on the last one. */
    nextCursor: z.string().nullable(),
  });
}

/** `?limit=&cursor=`. */
export type PageQuery = z.input<typeof pageQuerySchema>;
