import { z } from 'zod';

/**
 * `?limit=&cursor=` of every list: `limit` 1–200 (50 when left out), `cursor` the `nextCursor` of
 * the previous page, as it was answered.
 */
export const pageQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).optional(),
    cursor: z.string().max(400).optional(),
  })
  .describe('A page of a list: `limit` 1–200 (default 50), and the previous page’s `nextCursor`.');

/** A list's answer: a page of `item`, newest first, and the cursor of the next page (null on the last). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}
