/**
 * One page of a list, newest first: at most `limit` items after the position `after` names (the
 * sort key and id of the previous page's last item). The HTTP layer turns positions into opaque
 * cursors (`http/platform/pagination.ts`).
 */
export interface PageRequest {
  limit: number;
  after?: PagePosition;
}

/** Where a page ends: its last item's sort key and id. */
export interface PagePosition {
  key: string | number;
  id: string;
}

/** A page of items; `next` is null on the last page. */
export interface Page<T> {
  items: T[];
  next: PagePosition | null;
}
