import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { freshDatabase, postgresAvailable, testDatabaseUrl } from '../helpers/postgres.js';
import { tempDir } from '../helpers/start-relay.js';
import {
  closeStoreConnections,
  count,
  expectProjectStored,
  expectRelayTables,
  rows,
  snapshot,
  toPositional,
  watchWrites,
  write,
  type StoreLocation,
  type WriteCounter,
} from '../helpers/store-snapshot.js';

/**
 * The store-snapshot helpers read the same rows back from both backends, so a relay suite's
 * expectations hold on either: one SQLite file and one PostgreSQL database, each migrated by its
 * own schema, get the same rows written by hand through `write`.
 */
const pgUp = await postgresAvailable();
if (!pgUp) console.warn(`store-snapshot: PostgreSQL tests skipped, no server answers at ${testDatabaseUrl}`);

describe('toPositional', () => {
  it('numbers named parameters in order of first use, one number per name', () => {
    expect(toPositional('UPDATE t SET a = @a, b = @b WHERE a = @a OR c = @c_1', { a: 1, b: 'x', c_1: null })).toEqual({
      text: 'UPDATE t SET a = $1, b = $2 WHERE a = $1 OR c = $3',
      values: [1, 'x', null],
    });
  });

  it('leaves quoted text alone', () => {
    const sql = `UPDATE t SET a = 'mail @a, it''s @b', "@odd" = @b`;
    expect(toPositional(sql, { b: 2 })).toEqual({
      text: `UPDATE t SET a = 'mail @a, it''s @b', "@odd" = $1`,
      values: [2],
    });
  });

  it('refuses a parameter it has no value for', () => {
    expect(() => toPositional('SELECT @missing', {})).toThrow('no value for @missing');
  });
});

const PROJECT = {
  id: 'prj_snapshot',
  name: 'Snap',
  limits: JSON.stringify({ perIpPerMinute: 20 }),
  created_at: 1_700_000_000_000,
};
const message = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  project_id: PROJECT.id,
  key_id: 'key_1',
  channel: 'sms',
  recipient: '+33612345678',
  body: 'héllo 👋',
  status: 'queued',
  cost_eur: 0.0725,
  cascade: JSON.stringify(['sms', 'email']),
  created_at: 1_700_000_000_001,
  updated_at: 1_700_000_000_002,
  sent_at: null,
  ...extra,
});

async function fill(where: StoreLocation): Promise<void> {
  await write(
    where,
    'INSERT INTO projects (id, name, limits, created_at) VALUES (@id, @name, @limits, @created_at)',
    PROJECT,
  );
  const insertMessage = `INSERT INTO messages (id, project_id, key_id, channel, recipient, body, status, cost_eur,
      cascade, created_at, updated_at, sent_at)
    VALUES (@id, @project_id, @key_id, @channel, @recipient, @body, @status, @cost_eur, @cascade, @created_at,
      @updated_at, @sent_at)`;
  // Inserted in key order: SQLite reads a rowid table in insertion order, PostgreSQL in key order.
  for (const id of ['msg_A', 'msg_B', 'msg_a'])
    await write(where, insertMessage, message(id, id === 'msg_a' ? { sent_at: 1_700_000_000_003 } : {}));
  // The outbox is keyed (WITHOUT ROWID in SQLite): inserted out of order, read back in byte order.
  for (const id of ['msg_a', 'msg_B', 'msg_A']) {
    await write(where, 'INSERT INTO outbox (message_id, due_at) VALUES (@id, @due)', { id, due: 5 });
  }
  for (const action of ['project.create', 'key.create']) {
    await write(where, 'INSERT INTO audit (project_id, actor, action, at) VALUES (@p, @actor, @action, @at)', {
      p: PROJECT.id,
      actor: 'cli',
      action,
      at: 1_700_000_000_004,
    });
  }
}

describe.runIf(pgUp)('store-snapshot on SQLite and PostgreSQL', () => {
  let sqlite: StoreLocation;
  let pg: StoreLocation;
  let dropPg: () => Promise<void>;

  beforeAll(async () => {
    sqlite = { dataDir: tempDir() };
    await createSqliteStore(sqlite.dataDir).close();
    const database = await freshDatabase();
    await database.pool.end();
    pg = { dataDir: '', databaseUrl: database.url };
    dropPg = database.drop;
    await fill(sqlite);
    await fill(pg);
    // SQLite counts messages written in the rollups when it folds them (migration 019); PostgreSQL
    // as they are written.
    const store = createSqliteStore(sqlite.dataDir);
    await store.analytics.settle();
    await store.close();
  });
  afterAll(async () => {
    fs.rmSync(sqlite.dataDir, { recursive: true, force: true });
    await closeStoreConnections();
    await dropPg?.();
  });

  it('reads the same rows back from both, numbers as numbers, in the same order', async () => {
    const fromPg = await rows(pg, 'messages');
    expect(fromPg).toEqual(await rows(sqlite, 'messages'));
    expect(fromPg[0]).toMatchObject({ cost_eur: 0.0725, created_at: 1_700_000_000_001, sent_at: null, sensitive: 0 });
    expect(fromPg.map((m) => m.id)).toEqual(['msg_A', 'msg_B', 'msg_a']);
    const outbox = await rows(pg, 'outbox');
    expect(outbox.map((r) => r.message_id)).toEqual(['msg_A', 'msg_B', 'msg_a']);
    expect(outbox).toEqual(await rows(sqlite, 'outbox'));
    expect(await rows(pg, 'audit')).toEqual(await rows(sqlite, 'audit'));
  });

  it('snapshots the same tables and rows from both', async () => {
    const fromPg = await snapshot(pg);
    const fromSqlite = await snapshot(sqlite);
    expect(Object.keys(fromPg)).toEqual(Object.keys(fromSqlite));
    expect(fromPg).toEqual(fromSqlite);
    expect(fromPg.messages).toHaveLength(3);
  });

  it('counts the same on both', async () => {
    for (const table of ['messages', 'outbox', 'audit', 'api_keys']) {
      expect([table, await count(pg, table)]).toEqual([table, await count(sqlite, table)]);
    }
    expect(await count(pg, 'outbox')).toBe(3);
  });

  it('refuses a database the relay never created its tables in, rather than compare empty snapshots', async () => {
    const empty = await freshDatabase({ migrate: false });
    try {
      const where = { dataDir: '', databaseUrl: empty.url };
      await expect(snapshot(where)).rejects.toThrow(/has no tables: the relay did not store its data there/);
      await expect(expectRelayTables(where)).rejects.toThrow(/has no tables/);
      await expect(watchWrites(where)).rejects.toThrow(/has no tables/);
      await expectRelayTables(pg);
      await expectRelayTables(sqlite);
      await expectProjectStored(pg, PROJECT.id);
      await expectProjectStored(sqlite, PROJECT.id);
      await expect(expectProjectStored(pg, 'prj_elsewhere')).rejects.toThrow(
        /prj_elsewhere is not in .*stored elsewhere/,
      );
    } finally {
      await empty.drop();
    }
  });

  it('reads a table JSON would change (bytes, booleans) through the driver, as pg parses it', async () => {
    const other = await freshDatabase({ migrate: false });
    try {
      await other.pool.query(`CREATE TABLE extra (id BIGINT PRIMARY KEY, flag BOOLEAN, data BYTEA, at TIMESTAMPTZ);
        CREATE TABLE plain (id TEXT PRIMARY KEY, n BIGINT, x DOUBLE PRECISION);
        INSERT INTO extra VALUES (2, false, NULL, NULL), (1, true, '\\x00ff', '2026-01-02T03:04:05Z');
        INSERT INTO plain VALUES ('b', 9007199254740991, 0.1), ('a', -1, 1e-300), ('B', 0, NULL)`);
      const where = { dataDir: '', databaseUrl: other.url };
      expect(await rows(where, 'extra')).toEqual([
        { id: 1, flag: true, data: Buffer.from([0, 255]), at: new Date('2026-01-02T03:04:05Z') },
        { id: 2, flag: false, data: null, at: null },
      ]);
      expect(await snapshot(where)).toEqual({
        extra: await rows(where, 'extra'),
        plain: [
          { id: 'B', n: 0, x: null },
          { id: 'a', n: -1, x: 1e-300 },
          { id: 'b', n: 9007199254740991, x: 0.1 },
        ],
      });
    } finally {
      await closeStoreConnections();
      await other.drop();
    }
  });

  it('refuses a test relay passed where its location belongs', async () => {
    const relayLike = { dataDir: sqlite.dataDir, location: pg };
    await expect(snapshot(relayLike)).rejects.toThrow(/t\.location/);
  });

  describe.each([
    ['sqlite', () => sqlite],
    ['postgres', () => pg],
  ] as const)('watchWrites (%s)', (_name, where) => {
    let writes: WriteCounter;
    beforeAll(async () => {
      writes = await watchWrites(where());
    });
    afterAll(() => writes.close());

    const moves = async (work: () => Promise<unknown>): Promise<boolean> => {
      const before = await writes.read();
      await work();
      return (await writes.read()) !== before;
    };

    it('moves at once on every committed insert, update and delete', async () => {
      expect(await moves(() => write(where(), "UPDATE messages SET status = 'sent' WHERE id = 'msg_B'"))).toBe(true);
      expect(
        await moves(() =>
          write(where(), 'INSERT INTO opt_outs (project_id, address, created_at) VALUES (@p, @a, 1)', {
            p: PROJECT.id,
            a: '+1',
          }),
        ),
      ).toBe(true);
      expect(await moves(() => write(where(), 'DELETE FROM opt_outs'))).toBe(true);
    });

    it('stays for reads, for a write that changed no row, and for a rolled-back write', async () => {
      expect(await moves(() => snapshot(where()))).toBe(false);
      expect(await moves(() => rows(where(), 'messages'))).toBe(false);
      expect(await moves(() => count(where(), 'audit'))).toBe(false);
      expect(await moves(() => write(where(), "UPDATE messages SET status = 'x' WHERE id = 'none'"))).toBe(false);
      // One statement writing two rows, the second refused: the first is rolled back with it.
      const halfWrite = () =>
        write(
          where(),
          "INSERT INTO opt_outs (project_id, address, created_at) VALUES (@p, '+2', 1), (@p, '+3', NULL)",
          {
            p: PROJECT.id,
          },
        );
      await expect(halfWrite()).rejects.toThrow(/NOT NULL|null value/);
      expect(await moves(() => halfWrite().catch(() => 'refused'))).toBe(false);
      expect(await count(where(), 'opt_outs')).toBe(0);
    });
  });
});
