/** One input column of an `unnest` statement: its name, its PostgreSQL type, and its value for an item. */
export type UnnestColumn<T> = readonly [name: string, type: string, value: (item: T) => unknown];

/**
 * `WITH input AS (…)`'s body: the items as one array parameter per column, unnested into rows, so a
 * statement's text — and its prepared plan — is the same for any number of items.
 */
export function unnestInput<T>(columns: ReadonlyArray<UnnestColumn<T>>): string {
  return `SELECT * FROM unnest(${columns.map(([, type], n) => `$${n + 1}::${type}[]`).join(', ')})
    AS i(${columns.map(([name]) => name).join(', ')})`;
}

/** The parameters of `unnestInput(columns)` for `items`: one array per column. */
export function unnestValues<T>(columns: ReadonlyArray<UnnestColumn<T>>, items: readonly T[]): unknown[][] {
  return columns.map(([, , value]) => items.map(value));
}
