import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * What tests read from the relay's database behind its store (and, rarely, write to it), in one
 * place, so the tests can run on another backend: each function takes where the relay keeps its
 * data. SQLite today: the data directory's database, through a second connection.
 */
export interface StoreLocation {
  dataDir: string;
}

/** A table's rows, column names as stored (`message_id`, `lease_owner`). */
export type StoredRow = Record<string, unknown>;

const DATABASE_FILE = 'messagejs.db';

function open<T>(where: StoreLocation, use: (db: Database.Database) => T, options = { readonly: true }): T {
  const db = new Database(path.join(where.dataDir, DATABASE_FILE), options);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

function tableNames(db: Database.Database): string[] {
  const tables = db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  return (tables.all() as Array<{ name: string }>).map((r) => r.name);
}

// Rows in storage order: rowid, or the primary key of a WITHOUT ROWID table (the outbox).
function readTable(db: Database.Database, table: string): StoredRow[] {
  const { sql } = db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(table) as { sql: string };
  const order = /WITHOUT ROWID/i.test(sql) ? '1' : 'rowid';
  return db.prepare(`SELECT * FROM "${table}" ORDER BY ${order}`).all() as StoredRow[];
}

/** Every row of every table, in storage order: two snapshots are equal when nothing was written between them. */
export function snapshot(where: StoreLocation): Record<string, StoredRow[]> {
  return open(where, (db) => Object.fromEntries(tableNames(db).map((name) => [name, readTable(db, name)])));
}

/** The rows of one table, in storage order. */
export function rows<T extends StoredRow = StoredRow>(where: StoreLocation, table: string): T[] {
  return open(where, (db) => readTable(db, table) as T[]);
}

/** How many rows a table holds. */
export function count(where: StoreLocation, table: string): number {
  return open(where, (db) => (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n);
}

/**
 * Runs one statement no API would (what an older relay stored, what only a delivery writes), with
 * named parameters (`@id`).
 */
export function write(where: StoreLocation, sql: string, params: Record<string, unknown> = {}): void {
  open(where, (db) => db.prepare(sql).run(params), { readonly: false });
}

/** A number that changes whenever the relay commits a write: a cheap "did anything write" check. */
export interface WriteCounter {
  read(): number;
  close(): void;
}

/** Watches the relay's commits (SQLite's `data_version`, through a connection kept open). */
export function watchWrites(where: StoreLocation): WriteCounter {
  const db = new Database(path.join(where.dataDir, DATABASE_FILE), { readonly: true });
  return {
    read: () => db.pragma('data_version', { simple: true }) as number,
    close: () => db.close(),
  };
}
