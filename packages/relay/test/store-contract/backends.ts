import fs from 'node:fs';
import { afterAll } from 'vitest';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types/index.js';
import { borrowDatabase, dropSpareDatabases, postgresAvailable, testDatabaseUrl } from '../helpers/postgres.js';
import { tempDir } from '../helpers/start-relay.js';
import type { StoreLocation } from '../helpers/store-snapshot.js';

/** A store opened on fresh, empty storage for one test, and how to remove it. */
export interface OpenedStore {
  store: Store;
  /** Where `test/helpers/store-snapshot.ts` reads it (`databaseUrl` on PostgreSQL). */
  location: StoreLocation & { databaseUrl?: string };
  dispose(): Promise<void>;
}

/** A backend every store contract test runs against. */
export interface Backend {
  name: string;
  open(): Promise<OpenedStore>;
}

const sqlite: Backend = {
  name: 'sqlite',
  async open() {
    const dataDir = tempDir();
    const store = createSqliteStore(dataDir);
    return {
      store,
      location: { dataDir },
      async dispose() {
        await store.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * PostgreSQL: an empty, migrated database per store (borrowed: the file's tests reuse a few,
 * emptied between them — `CREATE DATABASE` costs about a second each), dropped when the file ends.
 * The migrations themselves are tested on new databases in `pg-migrations.test.ts`.
 */
const postgres: Backend = {
  name: 'postgres',
  async open() {
    const database = await borrowDatabase();
    try {
      const store = await createPostgresStore(database.url);
      return {
        store,
        location: { dataDir: '', databaseUrl: database.url },
        async dispose() {
          await store.close();
          await database.giveBack();
        },
      };
    } catch (error) {
      await database.giveBack();
      throw error;
    }
  },
};
afterAll(dropSpareDatabases);

const withPostgres = await postgresAvailable();
if (!withPostgres) {
  console.warn(
    `Store contract tests: PostgreSQL is skipped, no server answers at ${new URL(testDatabaseUrl).host} (set MESSAGEJS_TEST_DATABASE_URL to one).`,
  );
}

export const backends: Backend[] = withPostgres ? [sqlite, postgres] : [sqlite];
