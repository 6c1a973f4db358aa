import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/postgres/migrations/index.js';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres/index.js';
import { freshDatabase, postgresAvailable } from '../helpers/postgres.js';
import { backends } from './backends.js';
import { at, message, project } from './fixtures.js';

const available = await postgresAvailable();
if (!available)
  console.warn('PostgreSQL store tests skipped: no PostgreSQL server answers (MESSAGEJS_TEST_DATABASE_URL).');

describe.runIf(available)('createPostgresStore', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let stores: PostgresStore[];
  const open = async (options: Parameters<typeof createPostgresStore>[1] = {}) => {
    const store = await createPostgresStore(database.url, options);
    stores.push(store);
    return store;
  };
  beforeEach(async () => {
    database = await freshDatabase({ migrate: false });
    stores = [];
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await database.drop();
  });

  it('migrates on open; two stores opened at once (two relays starting) migrate once', async () => {
    await Promise.all([open(), open()]);
    const { rows } = await database.pool.query('SELECT version FROM schema_migrations');
    expect(rows).toHaveLength(migrations.length);
  });

  it('opens an unmigrated database as it is with migrate: false', async () => {
    const store = await open({ migrate: false });
    expect(await store.ping()).toBe(true);
    expect((await database.pool.query("SELECT to_regclass('messages') AS t")).rows).toEqual([{ t: null }]);
  });

  it('wakes the onWork listeners of another store on the database when a message is queued', async () => {
    const relay = await open();
    const worker = await open();
    let woken = 0;
    const stop = worker.onWork(() => woken++);
    // The worker's LISTEN connection opens with its first listener: wait for it.
    for (let i = 0; i < 100; i++) {
      const { rows } = await database.pool.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN messagejs_outbox'",
      );
      if (rows.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await relay.projects.create(project);
    await relay.messages.enqueue({ message: message('msg_1'), dueAt: at });
    for (let i = 0; i < 250 && woken === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(woken).toBe(1);
    stop();
  });

  it('pings true while the database answers, false once closed; closing twice is fine', async () => {
    const store = await open();
    expect(await store.ping()).toBe(true);
    await store.close();
    await store.close();
    expect(await store.ping()).toBe(false);
  });

  it('fails at once, not after a hang, when no server answers', async () => {
    const started = Date.now();
    await expect(createPostgresStore('postgres://postgres@127.0.0.1:9/none')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe('store.onWork', () => {
  it('is absent on SQLite, where the in-process wake covers it', async () => {
    const { store, dispose } = await backends.find((b) => b.name === 'sqlite')!.open();
    expect(store.onWork).toBeUndefined();
    await dispose();
  });
});
