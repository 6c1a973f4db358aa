import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { DATABASE_FILE, openDatabase } from './sqlite/database.js';
import { createRollupFold } from './sqlite/rollup-fold.js';
import { migratePostgres } from './postgres/database.js';
import { pgTypes } from './postgres/pg-db.js';

/**
 * `messagejs-relay copy`: moves a SQLite installation (a data directory) into an empty PostgreSQL
 * database, table by table and column by column (the two schemas have the same tables, columns and
 * value representations: `postgres/migrations/001-initial.ts`), in one PostgreSQL transaction that
 * commits only when every table's row count matches the source's.
 */

/**
 * Every table, parents before children (foreign-key order). A table the SQLite schema has and this
 * list lacks is refused: the data directory is newer than this code, and copying it would leave
 * rows behind. `test/features/copy.test.ts` checks the list against both schemas.
 */
export const COPY_TABLES = [
  'accounts',
  'users',
  'projects',
  'api_keys',
  'templates',
  'template_versions',
  'template_stats',
  'connectors',
  'batches',
  'contacts',
  'contact_groups',
  'contact_group_members',
  // Contacts' CSV imports and their reports (an unfinished one resumes where its file is).
  'contact_imports',
  'contact_import_errors',
  'messages',
  'message_attempts',
  'message_events',
  'outbox',
  'idempotency',
  'opt_outs',
  'audit',
  'verify_sessions',
  'verify_sends',
  'signing_keys',
  'members',
  'member_projects',
  'sessions',
  'refresh_tokens',
  'admin_tokens',
  'admin_token_projects',
  'invites',
  'setup_tokens',
  'auth_signing_keys',
  // Webhooks (issue 15): endpoints, the event log, deliveries and their attempts, as they are.
  'webhook_endpoints',
  'events',
  'webhook_deliveries',
  'webhook_attempts',
  // Messages in (issue 15): inbound messages (their events above, as they are), phone mappings,
  // auto-reply rules and settings.
  'inbound_messages',
  'phone_mappings',
  'inbound_rules',
  'inbound_settings',
  // The analytics rollups, as they are (they outlive the messages retention removed); the
  // triggers that keep them are off while their sources are copied (`withoutRollupTriggers`).
  'message_stats_hourly',
  'message_stats_daily',
  'delivery_times_hourly',
  'delivery_times_daily',
  'connector_stats_hourly',
  'verify_stats_daily',
] as const;

/** SQLite's working tables of its triggers and batches (migration 018): no row after a commit, and none on PostgreSQL. */
export const SQLITE_WORK_TABLES = ['message_triggers_deferred', 'message_writes'] as const;

/**
 * SQLite's own tables, with no PostgreSQL twin: its working tables, and how far its fold has
 * counted new messages and attempts in the rollups (migration 019; PostgreSQL counts as it writes).
 */
export const SQLITE_ONLY_TABLES = [...SQLITE_WORK_TABLES, 'rollup_marks'] as const;

/**
 * Tables `copy` knows and leaves behind: what only running relays use, for seconds (a live event
 * stream's registration, renewed by the relay that holds the stream), and SQLite's own tables (the
 * copy folds the source first, so its rollups count every message and attempt it copies).
 */
export const UNCOPIED_TABLES = ['event_listeners', ...SQLITE_ONLY_TABLES] as const;

/**
 * The tables whose triggers keep the analytics rollups (store/analytics-schema.ts) and write the
 * event log and its deliveries (store/event-schema.ts): all copied as they are.
 */
const ROLLUP_SOURCES = [
  'messages',
  'message_attempts',
  'verify_sends',
  'verify_sessions',
  'opt_outs',
  'events',
  'inbound_messages',
];

/** Rows per multi-row `INSERT` (fewer for wide tables: a statement takes at most 65,535 parameters). */
const BATCH_ROWS = 500;
const MAX_PARAMETERS = 65_535;

/** Why a copy did not happen or did not finish: a message for the operator; nothing was committed. */
export class CopyError extends Error {
  override readonly name = 'CopyError';
}

/** One table's rows in the source and, after copying, in the target. */
export interface TableCount {
  table: string;
  source: number;
  target: number;
}

/** What a copy did. */
export interface CopyReport {
  /** The target's schema version before and after its migrations ran. */
  migrated: { from: number; to: number };
  /** Each table's counts, in copy order. */
  tables: TableCount[];
  /** True when every count matched and the copy committed; false when it was rolled back. */
  committed: boolean;
  /**
   * The master key ids (`Sealer.keyId`, not the keys) that the copied sealed values name
   * (connector credentials, signing keys, pending sensitive messages): the target relays need those keys.
   */
  sealedKeyIds: string[];
}

export interface CopyOptions {
  /** The SQLite data directory (its pending migrations are applied first). */
  from: string;
  /** The PostgreSQL URL of the target database (migrated, then required empty). */
  to: string;
  /** Called after each table is copied, with its row count and how long it took. */
  onTable?: (table: string, rows: number, ms: number) => void;
}

/** A table's columns in the source, in declared order. */
type SourceTable = { name: string; columns: string[] };

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Copies the SQLite installation in `from` into the PostgreSQL database at `to`. Refuses (a
 * `CopyError`, nothing written) a missing database, a source table this code does not know,
 * columns that differ between the two schemas, and a target whose tables hold any row. The source
 * is read in one read transaction (a consistent snapshot), the target written in one transaction.
 */
export async function copySqliteToPostgres(options: CopyOptions): Promise<CopyReport> {
  const file = path.join(options.from, DATABASE_FILE);
  if (!fs.existsSync(file))
    throw new CopyError(`No SQLite database at ${file}: --from takes a relay's data directory.`);
  const sqlite = openDatabase(options.from);
  const pool = new pg.Pool({
    connectionString: options.to,
    types: pgTypes,
    // One client copies; a second leaves `migratePostgres` room to hold its lock on its own client.
    max: 2,
    connectionTimeoutMillis: 10_000,
    application_name: 'messagejs-copy',
  });
  pool.on('error', () => {});
  try {
    // The rollups are copied as they are: first they count what the source wrote since its last fold.
    const fold = createRollupFold(sqlite);
    while (fold.step());
    sqlite.exec('BEGIN');
    const tables = sourceTables(sqlite);
    const sealedKeyIds = sealedKeyIdsOf(sqlite);
    const migrated = await migratePostgres(pool).catch((error: Error) => {
      throw new CopyError(`The target database could not be opened and migrated: ${error.message}`, { cause: error });
    });
    const client = await pool.connect();
    try {
      const { tables: counts, committed } = await copyInTransaction(sqlite, client, tables, options);
      return { migrated, tables: counts, committed, sealedKeyIds };
    } finally {
      client.release();
    }
  } finally {
    if (sqlite.inTransaction) sqlite.exec('COMMIT');
    sqlite.close();
    await pool.end();
  }
}

/** The source's tables, in copy order, with their columns; an unknown table is refused. */
function sourceTables(sqlite: Database.Database): SourceTable[] {
  const names = (
    sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ name: string }>
  ).map((r) => r.name);
  const known = new Set<string>([...COPY_TABLES, ...UNCOPIED_TABLES]);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new CopyError(
      `The SQLite database has tables this relay does not know (${unknown.join(', ')}): it was written by a newer ` +
        'relay. Copy it with that version of messagejs-relay. Nothing was written.',
    );
  }
  const missing = COPY_TABLES.filter((name) => !names.includes(name));
  if (missing.length > 0) throw new CopyError(`The SQLite database lacks the tables ${missing.join(', ')}.`);
  return COPY_TABLES.map((name) => ({
    name,
    columns: (
      sqlite.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).all(name) as Array<{ name: string }>
    ).map((c) => c.name),
  }));
}

/**
 * The master key ids the sealed values a target relay will open name: connector credentials,
 * token-signing keys, and the sealed bodies of sensitive messages still waiting in the outbox.
 */
function sealedKeyIdsOf(sqlite: Database.Database): string[] {
  const rows = sqlite
    .prepare(
      `SELECT DISTINCT substr(value, 4, 12) AS kid FROM (
         SELECT sealed_credentials AS value FROM connectors
         UNION ALL SELECT sealed_private_jwk FROM signing_keys
         UNION ALL SELECT sealed_private_jwk FROM auth_signing_keys
         UNION ALL SELECT m.body FROM outbox o JOIN messages m ON m.id = o.message_id WHERE m.sensitive = 1
       ) WHERE value LIKE 'v1.%' ORDER BY kid`,
    )
    .all() as Array<{ kid: string }>;
  return rows.map((r) => r.kid);
}

/** BEGIN, refuse or copy every table, reset identities, count, then COMMIT when the counts match. */
async function copyInTransaction(
  sqlite: Database.Database,
  client: pg.PoolClient,
  tables: SourceTable[],
  options: CopyOptions,
): Promise<{ tables: TableCount[]; committed: boolean }> {
  await client.query('BEGIN');
  try {
    // No other writer (a relay started on the target too early) may add rows while we check and copy.
    await client.query(`LOCK TABLE ${tables.map((t) => quote(t.name)).join(', ')} IN EXCLUSIVE MODE`);
    await checkTargetColumns(client, tables);
    await refuseNonEmpty(client, tables);
    // The rollups and the event log are copied as they are: counting or recording the copied rows again would add them twice.
    const triggers = (state: 'DISABLE' | 'ENABLE') =>
      client.query(ROLLUP_SOURCES.map((t) => `ALTER TABLE ${quote(t)} ${state} TRIGGER USER`).join('; '));
    await triggers('DISABLE');
    for (const table of tables) {
      const started = performance.now();
      const rows = await copyTable(sqlite, client, table);
      options.onTable?.(table.name, rows, Math.round(performance.now() - started));
    }
    await triggers('ENABLE');
    await resetIdentities(client, tables);
    const counts = await countBoth(sqlite, client, tables);
    const committed = counts.every((c) => c.source === c.target);
    await client.query(committed ? 'COMMIT' : 'ROLLBACK');
    return { tables: counts, committed };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Every table must have exactly the source's columns in the target ("same names on both"). */
async function checkTargetColumns(client: pg.PoolClient, tables: SourceTable[]): Promise<void> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ANY($1)`,
    [tables.map((t) => t.name)],
  );
  const problems: string[] = [];
  for (const table of tables) {
    const target = new Set(rows.filter((r) => r.table_name === table.name).map((r) => r.column_name));
    const onlySource = table.columns.filter((c) => !target.has(c));
    const onlyTarget = [...target].filter((c) => !table.columns.includes(c));
    if (onlySource.length > 0) problems.push(`${table.name}: ${onlySource.join(', ')} only in SQLite`);
    if (onlyTarget.length > 0) problems.push(`${table.name}: ${onlyTarget.join(', ')} only in PostgreSQL`);
  }
  if (problems.length > 0) {
    throw new CopyError(`The two schemas differ, so nothing was copied:\n  ${problems.join('\n  ')}`);
  }
}

/** Refuses a target where any table holds a row: a copy never merges into live data. */
async function refuseNonEmpty(client: pg.PoolClient, tables: SourceTable[]): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    tables.map((t) => `SELECT '${t.name}' AS name WHERE EXISTS (SELECT 1 FROM ${quote(t.name)})`).join(' UNION ALL '),
  );
  if (rows.length > 0) {
    throw new CopyError(
      `The target database is not empty (rows in ${rows.map((r) => r.name).join(', ')}): copy only into a new, ` +
        'empty database (createdb …). Nothing was written.',
    );
  }
}

/**
 * Streams one table from SQLite (`iterate`, so memory stays flat) into PostgreSQL in multi-row
 * `INSERT`s; the full-size statement is prepared once per table. Resolves with the rows copied.
 */
async function copyTable(sqlite: Database.Database, client: pg.PoolClient, table: SourceTable): Promise<number> {
  const width = table.columns.length;
  const perBatch = Math.min(BATCH_ROWS, Math.floor(MAX_PARAMETERS / width));
  const fullBatch = insertSql(table, perBatch);
  const select = sqlite.prepare(`SELECT ${table.columns.map(quote).join(', ')} FROM ${quote(table.name)}`).raw(true);
  let values: unknown[] = [];
  let copied = 0;
  const flush = async (rows: number) => {
    const statement =
      rows === perBatch ? { name: `copy_${table.name}`, text: fullBatch } : { text: insertSql(table, rows) };
    try {
      await client.query({ ...statement, values });
    } catch (error) {
      throw new CopyError(`Copying ${table.name} failed: ${(error as Error).message}. Nothing was written.`, {
        cause: error,
      });
    }
    copied += rows;
    values = [];
  };
  for (const row of select.iterate() as IterableIterator<unknown[]>) {
    checkRow(table, row);
    values.push(...row);
    if (values.length === perBatch * width) await flush(perBatch);
  }
  if (values.length > 0) await flush(values.length / width);
  return copied;
}

/** `INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)…` for `rows` rows. */
function insertSql(table: SourceTable, rows: number): string {
  const width = table.columns.length;
  const tuples = Array.from(
    { length: rows },
    (_, r) => `(${table.columns.map((_c, c) => `$${r * width + c + 1}`).join(', ')})`,
  );
  return `INSERT INTO ${quote(table.name)} (${table.columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')}`;
}

/** PostgreSQL `text` cannot hold NUL (error 22021): name the row and column instead of failing a batch. */
function checkRow(table: SourceTable, row: unknown[]): void {
  const at = row.findIndex((v) => typeof v === 'string' && v.includes('\u0000'));
  if (at < 0) return;
  throw new CopyError(
    `${table.name}.${table.columns[at]} holds a NUL character in the row starting ${JSON.stringify(row[0])}, ` +
      'which PostgreSQL text cannot store. Fix that row in SQLite and copy again. Nothing was written.',
  );
}

/** Moves each identity sequence past the copied ids, so the next insert does not collide. */
async function resetIdentities(client: pg.PoolClient, tables: SourceTable[]): Promise<void> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ANY($1) AND is_identity = 'YES'`,
    [tables.map((t) => t.name)],
  );
  for (const { table_name: table, column_name: column } of rows) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max(${quote(column)}) FROM ${quote(table)}), 0) + 1, false)`,
      [quote(table), column],
    );
  }
}

/** Each table's row count in the source snapshot and in the target transaction. */
async function countBoth(
  sqlite: Database.Database,
  client: pg.PoolClient,
  tables: SourceTable[],
): Promise<TableCount[]> {
  const { rows } = await client.query<{ name: string; n: number }>(
    tables.map((t) => `SELECT '${t.name}' AS name, count(*) AS n FROM ${quote(t.name)}`).join(' UNION ALL '),
  );
  const target = new Map(rows.map((r) => [r.name, Number(r.n)]));
  return tables.map(({ name }) => ({
    table: name,
    source: (sqlite.prepare(`SELECT count(*) AS n FROM ${quote(name)}`).get() as { n: number }).n,
    target: target.get(name) ?? 0,
  }));
}
