import pg from 'pg';
import type { PgDb, Queryable } from './queryable.js';

/**
 * Type parsers for the store's pools: BIGINT (ms timestamps, counts) and NUMERIC read back as JS
 * numbers, as SQLite gives them. Every stored BIGINT is below 2^53 (ms since 1970, row counts).
 */
const INT8 = 20;
const NUMERIC = 1700;
const toNumber = (value: string): number => Number(value);

export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return toNumber;
    return (format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format)) as unknown;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** A `PgDb` on a pool: each `tx` checks out one client for `BEGIN … COMMIT`. */
export function poolDb(pool: pg.Pool): PgDb {
  return {
    query: (text, values) => pool.query(text, values) as never,
    async tx(work) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const value = await work(client);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}

/** A `PgDb` bound to one client already inside a transaction (a unit of work): `tx` runs on it. */
export function clientDb(client: Queryable): PgDb {
  return {
    query: (text, values) => client.query(text, values),
    tx: (work) => work(client),
  };
}
