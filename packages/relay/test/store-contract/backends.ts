import fs from 'node:fs';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types/index.js';
import { tempDir } from '../helpers/start-relay.js';
import type { StoreLocation } from '../helpers/store-snapshot.js';

/** A store opened on fresh, empty storage for one test, and how to remove it. */
export interface OpenedStore {
  store: Store;
  /** Where `test/helpers/store-snapshot.ts` reads it. */
  location: StoreLocation;
  dispose(): Promise<void>;
}

/** A backend every store contract test runs against. PostgreSQL joins this list. */
export interface Backend {
  name: string;
  open(): Promise<OpenedStore>;
}

export const backends: Backend[] = [
  {
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
  },
];
