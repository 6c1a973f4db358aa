import type { Store } from '../types/index.js';
import { openDatabase } from './database.js';
import { createProjectsRepo } from './projects.js';
import { createKeysRepo } from './keys.js';
import { createTemplatesRepo } from './templates.js';
import { createConnectorsRepo } from './connectors.js';
import { createMessagesRepo } from './messages.js';
import { createOutboxRepo } from './outbox.js';
import { createIdempotencyRepo } from './idempotency.js';
import { createOptOutsRepo } from './opt-outs.js';
import { createAuditRepo } from './audit.js';
import { createVerifyRepo } from './verify.js';
import { createSigningKeysRepo } from './signing-keys.js';

/** The default store: one SQLite file in the data directory. */
export function createSqliteStore(dataDir: string): Store {
  const db = openDatabase(dataDir);
  const messages = createMessagesRepo(db);
  const ping = db.prepare('SELECT 1');
  return {
    projects: createProjectsRepo(db),
    keys: createKeysRepo(db),
    templates: createTemplatesRepo(db),
    connectors: createConnectorsRepo(db),
    messages,
    status: messages,
    outbox: createOutboxRepo(db),
    idempotency: createIdempotencyRepo(db),
    optOuts: createOptOutsRepo(db),
    audit: createAuditRepo(db),
    verify: createVerifyRepo(db),
    signingKeys: createSigningKeysRepo(db),
    async ping() {
      try {
        return ping.get() !== undefined;
      } catch {
        return false;
      }
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
