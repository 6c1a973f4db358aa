import fs from 'node:fs';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types/index.js';
import { freshDatabase, postgresAvailable, testDatabaseUrl } from '../helpers/postgres.js';
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

/** PostgreSQL: a new database per store, migrated by the store as a relay's would be, dropped after. */
const postgres: Backend = {
  name: 'postgres',
  async open() {
    const database = await freshDatabase({ migrate: false });
    try {
      const store = await createPostgresStore(database.url);
      return {
        store,
        location: { dataDir: '', databaseUrl: database.url },
        async dispose() {
          await store.close();
          await database.drop();
        },
      };
    } catch (error) {
      await database.drop();
      throw error;
    }
  },
};

const withPostgres = await postgresAvailable();
if (!withPostgres) {
  console.warn(
    `Store contract tests: PostgreSQL is skipped, no server answers at ${new URL(testDatabaseUrl).host} (set MESSAGEJS_TEST_DATABASE_URL to one).`,
  );
}

export const backends: Backend[] = withPostgres ? [sqlite, postgres] : [sqlite];
