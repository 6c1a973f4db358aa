/**
 * What every PostgreSQL repository is built on: a pooled `pg` connection source that runs one
 * statement (`query`) or several in one transaction (`tx`).
 *
 * A repository made on the store's pool gets a `PgDb` whose `tx` checks out a client and wraps
 * `work` in `BEGIN … COMMIT` (rolled back when it throws); one made inside `store.transaction`
 * gets a `PgDb` bound to that unit's client, whose `tx` runs `work` on it directly (the unit
 * commits). So a repository method that must write several rows together always uses `tx`.
 */
export interface Queryable {
  /**
   * Runs one statement. A `name` makes it a prepared statement: `pg` parses and plans it once per
   * connection and afterwards sends only its parameters (one name per distinct `text`).
   */
  query<R = Record<string, unknown>>(
    text: string,
    values?: unknown[],
    name?: string,
  ): Promise<{ rows: R[]; rowCount: number | null }>;
  /**
   * Runs one statement and answers its rows as value arrays in the select list's order (`pg`'s
   * `rowMode: 'array'`): for statements reading many rows (the history, its export), which then
   * build no object keyed by column names per row.
   */
  arrays: (text: string, values?: unknown[]) => Promise<unknown[][]>;
}

export interface PgDb extends Queryable {
  tx<T>(work: (q: Queryable) => Promise<T>): Promise<T>;
}
