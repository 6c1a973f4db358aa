import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pgTypes } from '../../src/store/postgres/pg-db.js';
import { SQLITE_ONLY_TABLES } from '../../src/store/copy.js';

/**
 * What tests read from the relay's database behind its store (and, rarely, write to it), in one
 * place, so the same test runs on either backend: each function takes where the relay keeps its
 * data. SQLite: the data directory's database, through a second connection. PostgreSQL (when
 * `databaseUrl` is set): that database, through a connection of the tests' own. Rows read back
 * the same from both (the PostgreSQL schema mirrors SQLite's: same columns, numbers as numbers).
 */
export interface StoreLocation {
  dataDir: string;
  /** The relay's PostgreSQL database; without it, the SQLite file in `dataDir`. */
  databaseUrl?: string;
}

/** A table's rows, column names as stored (`message_id`, `lease_owner`). */
export type StoredRow = Record<string, unknown>;

const DATABASE_FILE = 'messagejs.db';

/**
 * PostgreSQL's bookkeeping of applied migrations: SQLite keeps it in `PRAGMA user_version`, which
 * no snapshot reads, so the table is left out and both backends show the same tables.
 */
const PG_BOOKKEEPING = ['schema_migrations'];

/**
 * A test relay passed where its location belongs would still type-check (it has a `dataDir`), and
 * on PostgreSQL would read a SQLite file that is not the relay's: refuse it.
 */
function checked(where: StoreLocation): StoreLocation {
  if ('location' in where) throw new Error('pass the relay’s `location` (t.location), not the relay itself');
  return where;
}

// ---------- SQLite ----------

function openSqlite<T>(where: StoreLocation, use: (db: Database.Database) => T, readonly = true): T {
  const db = new Database(path.join(where.dataDir, DATABASE_FILE), { readonly, fileMustExist: true });
  try {
    return use(db);
  } finally {
    db.close();
  }
}

function sqliteTables(db: Database.Database): string[] {
  const tables = db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  // SQLite's own tables (its working tables, its fold's marks) have no PostgreSQL twin.
  const own: readonly string[] = SQLITE_ONLY_TABLES;
  return (tables.all() as Array<{ name: string }>).map((r) => r.name).filter((name) => !own.includes(name));
}

// Rows in storage order: rowid, or the primary key of a WITHOUT ROWID table (the outbox).
function readSqliteTable(db: Database.Database, table: string): StoredRow[] {
  const { sql } = db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(table) as { sql: string };
  const order = /WITHOUT ROWID/i.test(sql) ? '1' : 'rowid';
  return db.prepare(`SELECT * FROM "${table}" ORDER BY ${order}`).all() as StoredRow[];
}

// ---------- PostgreSQL ----------

/**
 * One connection per database, kept open: a new one costs ~20 ms, and the suites snapshot after
 * every refused request. It goes when the database is dropped (the server ends it) or at
 * `closeStoreConnections`.
 */
const connections = new Map<string, Promise<pg.Client>>();

function connection(url: string): Promise<pg.Client> {
  let pending = connections.get(url);
  if (!pending) {
    const client = new pg.Client({ connectionString: url, types: pgTypes });
    const forget = () => {
      if (connections.get(url) === pending) connections.delete(url);
    };
    client.on('error', forget);
    client.on('end', forget);
    pending = client.connect().then(() => client);
    pending.catch(forget);
    connections.set(url, pending);
  }
  return pending;
}

async function openPg<T>(where: StoreLocation, use: (client: pg.Client) => Promise<T>): Promise<T> {
  return use(await connection(where.databaseUrl!));
}

/** Ends the connections kept open to the relays' databases (after a test file). */
export async function closeStoreConnections(): Promise<void> {
  const open = [...connections.values()];
  connections.clear();
  await Promise.all(open.map((pending) => pending.then((client) => client.end()).catch(() => {})));
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** How to read one table: its ORDER BY, and whether its rows read back the same through JSON. */
interface PgTable {
  /** The primary key, text compared bytewise; empty without one. */
  order: string;
  /** Only text, integer and float columns: `json_agg` gives the values `pg` would parse. */
  json: boolean;
}

const JSON_SAFE = new Set(['text', 'bigint', 'integer', 'smallint', 'double precision']);

/** Each table of the current schema, and how to read it. */
async function pgTables(client: pg.Client): Promise<Map<string, PgTable>> {
  const { rows } = await client.query<{ table: string; key: string[] | null; keyTypes: string[]; types: string[] }>(
    `SELECT c.relname AS table,
            (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) AS key,
            (SELECT array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY k.ord)
               FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) AS "keyTypes",
            (SELECT array_agg(format_type(a.atttypid, a.atttypmod)) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS types
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
       LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
      WHERE c.relkind IN ('r', 'p') AND c.relname <> ALL($1)
      ORDER BY c.relname COLLATE "C"`,
    [PG_BOOKKEEPING],
  );
  // SQLite orders a WITHOUT ROWID table's text key with memcmp: "C" collation is the same order.
  // (Its rowid tables keep insertion order; PostgreSQL has none, so the key order stands in.)
  return new Map(
    rows.map(({ table, key, keyTypes, types }) => [
      table,
      {
        order: (key ?? []).map((c, i) => (keyTypes[i] === 'text' ? `${quote(c)} COLLATE "C"` : quote(c))).join(', '),
        json: types.every((type) => JSON_SAFE.has(type)),
      },
    ]),
  );
}

/**
 * The relay's tables in its PostgreSQL database, or an error when it has none: a relay that
 * ignored `MESSAGEJS_DATABASE_URL` wrote elsewhere, and snapshots of an empty database would
 * compare equal whatever it did.
 */
async function relayTables(client: pg.Client, where: StoreLocation): Promise<Map<string, PgTable>> {
  const tables = await pgTables(client);
  if (tables.size === 0) {
    throw new Error(`${where.databaseUrl} has no tables: the relay did not store its data there`);
  }
  return tables;
}

/** Fails unless the relay created its tables at `where` (on SQLite: its database file). */
export async function expectRelayTables(where: StoreLocation): Promise<void> {
  if (!checked(where).databaseUrl) {
    if (openSqlite(where, sqliteTables).length === 0) throw new Error(`no tables in ${where.dataDir}`);
  } else await openPg(where, (client) => relayTables(client, where));
}

/**
 * Fails unless project `projectId` is stored at `where`: a relay or CLI that ignored
 * `MESSAGEJS_DATABASE_URL` stored it elsewhere (a test database may hold the schema already, so
 * its tables prove nothing), and the suite would pass on snapshots of a database nothing uses.
 */
export async function expectProjectStored(where: StoreLocation, projectId: string): Promise<void> {
  const projects = await rows<{ id: string }>(where, 'projects');
  if (!projects.some((p) => p.id === projectId)) {
    throw new Error(`project ${projectId} is not in ${where.databaseUrl ?? where.dataDir}: it was stored elsewhere`);
  }
}

/**
 * The rows of `names`, each table in key order: the tables whose values JSON carries unchanged
 * in one query (one round trip for a whole snapshot), any other on its own.
 */
async function readPgTables(
  client: pg.Client,
  tables: Map<string, PgTable>,
  names: string[],
): Promise<Record<string, StoredRow[]>> {
  const out: Record<string, StoredRow[]> = {};
  const viaJson: string[] = [];
  for (const name of names) {
    const table = tables.get(name);
    if (!table) throw new Error(`no table ${name} in the relay's database`);
    if (table.json) viaJson.push(name);
    else {
      const order = table.order ? ` ORDER BY ${table.order}` : '';
      out[name] = (await client.query<StoredRow>(`SELECT * FROM ${quote(name)}${order}`)).rows;
    }
  }
  if (viaJson.length > 0) {
    const columns = viaJson.map((name, i) => {
      const order = tables.get(name)!.order;
      return `(SELECT coalesce(json_agg(r${order ? ` ORDER BY ${order}` : ''}), '[]') FROM ${quote(name)} r) AS t${i}`;
    });
    const [row] = (await client.query<Record<string, StoredRow[]>>(`SELECT ${columns.join(', ')}`)).rows;
    viaJson.forEach((name, i) => (out[name] = row![`t${i}`]!));
  }
  return out;
}

/**
 * SQLite's named parameters (`@id`) as PostgreSQL's positional ones (`$1`), outside quoted text;
 * a name used twice is one parameter.
 */
export function toPositional(sql: string, params: Record<string, unknown>): { text: string; values: unknown[] } {
  const names: string[] = [];
  const text = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|@([A-Za-z_]\w*)/g, (token, name?: string) => {
    if (name === undefined) return token;
    if (!(name in params)) throw new Error(`no value for @${name}`);
    let index = names.indexOf(name);
    if (index < 0) index = names.push(name) - 1;
    return `$${index + 1}`;
  });
  return { text, values: names.map((name) => params[name]) };
}

// ---------- on either ----------

/**
 * Every row of every table, in storage order: two snapshots are equal when nothing was written
 * between them. The analytics rollups' `shard` (the PostgreSQL connection that wrote the row,
 * always 0 on SQLite) reads as 0, so that snapshots of both backends compare.
 */
export async function snapshot(where: StoreLocation): Promise<Record<string, StoredRow[]>> {
  if (!checked(where).databaseUrl) {
    return openSqlite(where, (db) =>
      Object.fromEntries(sqliteTables(db).map((name) => [name, readSqliteTable(db, name)])),
    );
  }
  return openPg(where, async (client) => {
    const tables = await relayTables(client, where);
    const read = await readPgTables(client, tables, [...tables.keys()]);
    for (const rows of Object.values(read)) for (const row of rows) if ('shard' in row) row.shard = 0;
    return read;
  });
}

/** The rows of one table, in storage order (PostgreSQL: primary-key order). */
export async function rows<T extends StoredRow = StoredRow>(where: StoreLocation, table: string): Promise<T[]> {
  if (!checked(where).databaseUrl) return openSqlite(where, (db) => readSqliteTable(db, table) as T[]);
  return openPg(
    where,
    async (client) => (await readPgTables(client, await relayTables(client, where), [table]))[table] as T[],
  );
}

/** How many rows a table holds. */
export async function count(where: StoreLocation, table: string): Promise<number> {
  const sql = `SELECT count(*) AS n FROM ${quote(table)}`;
  if (!checked(where).databaseUrl) return openSqlite(where, (db) => (db.prepare(sql).get() as { n: number }).n);
  return openPg(where, async (client) => (await client.query<{ n: number }>(sql)).rows[0]!.n);
}

/**
 * Runs one statement no API would (what an older relay stored, what only a delivery writes), with
 * named parameters (`@id`). Write SQL both engines take (no `INSERT OR …`).
 */
export async function write(where: StoreLocation, sql: string, params: Record<string, unknown> = {}): Promise<void> {
  if (!checked(where).databaseUrl) {
    openSqlite(where, (db) => db.prepare(sql).run(params), false);
    return;
  }
  const { text, values } = toPositional(sql, params);
  await openPg(where, (client) => client.query(text, values));
}

/** A number that changes whenever the relay commits a write: a cheap "did anything write" check. */
export interface WriteCounter {
  read(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Watches the relay's commits. SQLite: `data_version`, through a connection kept open. PostgreSQL
 * has no per-database equivalent that is exact: the WAL position and the xid counter are the
 * whole server's (other databases, autovacuum, even a read's page pruning move them) and
 * `pg_stat_database` is flushed up to a second late and counts read-only transactions. So a
 * row-level trigger on every table of the relay's schema logs each written row into a table of
 * its own schema (`mjs_test_watch`, out of `snapshot`'s sight), in the writing transaction: the
 * count moves exactly when a write commits, never for a read or a rolled-back write, and inserts
 * into it never wait on each other. Call it once the relay has created its tables.
 */
export async function watchWrites(where: StoreLocation): Promise<WriteCounter> {
  if (!checked(where).databaseUrl) {
    const db = new Database(path.join(where.dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
    return {
      read: async () => db.pragma('data_version', { simple: true }) as number,
      close: async () => {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: where.databaseUrl, types: pgTypes });
  // The database may be dropped while the client is idle: never let that crash the test process.
  client.on('error', () => {});
  await client.connect();
  await installWriteLog(client, where);
  return {
    read: async () => (await client.query<{ n: number }>('SELECT count(*) AS n FROM mjs_test_watch.writes')).rows[0]!.n,
    close: () => client.end(),
  };
}

async function installWriteLog(client: pg.Client, where: StoreLocation): Promise<void> {
  const tables = [...(await relayTables(client, where)).keys()];
  await client.query('BEGIN');
  try {
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS mjs_test_watch;
      CREATE TABLE IF NOT EXISTS mjs_test_watch.writes (at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
      CREATE OR REPLACE FUNCTION mjs_test_watch.log_write() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN INSERT INTO mjs_test_watch.writes DEFAULT VALUES; RETURN NULL; END $$;`);
    for (const table of tables) {
      await client.query(
        `CREATE OR REPLACE TRIGGER mjs_test_watch AFTER INSERT OR UPDATE OR DELETE ON ${quote(table)}
           FOR EACH ROW EXECUTE FUNCTION mjs_test_watch.log_write()`,
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
