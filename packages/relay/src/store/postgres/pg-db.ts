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

/** A client checked out of a pool; `lost` is set when its connection failed meanwhile. */
export type CheckedOutClient = pg.PoolClient & { lost?: Error };

/**
 * Checks a client out of `pool`, listening for its `error` event until it is released: a
 * connection the server drops while checked out (a restart, `pg_terminate_backend`) emits
 * `error` on the client, which the pool no longer listens to then, and an `error` event nobody
 * listens to would crash the process. The query in flight fails on its own; the event only
 * marks the client `lost`, so that it is released as broken.
 */
export async function checkOut(pool: pg.Pool): Promise<CheckedOutClient> {
  const client: CheckedOutClient = await pool.connect();
  const onError = (error: Error) => {
    client.lost = error;
  };
  client.on('error', onError);
  const release = client.release.bind(client);
  client.release = (destroy?: boolean | Error) => {
    client.removeListener('error', onError);
    client.release = release;
    release(destroy);
  };
  return client;
}

/** One statement on a pool or a client; a `name` goes in a query config (pg's 3rd argument is a callback). */
function queryOn(on: pg.Pool | pg.PoolClient, text: string, values?: unknown[], name?: string): Promise<never> {
  return (name ? on.query({ name, text, values }) : on.query(text, values)) as Promise<never>;
}

/** One statement on a pool or a client, its rows as value arrays (`Queryable.arrays`). */
async function arraysOn(on: pg.Pool | pg.PoolClient, text: string, values?: unknown[]): Promise<unknown[][]> {
  const result = await on.query<unknown[]>({ text, values, rowMode: 'array' });
  return result.rows;
}

/** A `PgDb` on a pool: each `tx` checks out one client for `BEGIN … COMMIT`. */
export function poolDb(pool: pg.Pool): PgDb {
  return {
    query: (text, values, name) => queryOn(pool, text, values, name),
    arrays: (text, values) => arraysOn(pool, text, values),
    async tx(work) {
      const client = await checkOut(pool);
      let broken = false;
      try {
        await client.query('BEGIN');
        const value = await work({
          query: (text, values, name) => queryOn(client, text, values, name),
          arrays: (text, values) => arraysOn(client, text, values),
        });
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken || client.lost !== undefined);
      }
    },
  };
}

/** A `PgDb` bound to one client already inside a transaction (a unit of work): `tx` runs on it. */
export function clientDb(client: Queryable): PgDb {
  return {
    query: (text, values, name) => client.query(text, values, name),
    arrays: (text, values) => client.arrays(text, values),
    tx: (work) => work(client),
  };
}
