import type Database from 'better-sqlite3';
import type { Repositories, Store } from '../types/index.js';
import { openDatabase } from './database.js';
import { createProjectsRepo } from './projects.js';
import { createKeysRepo } from './keys.js';
import { createTemplatesRepo } from './templates.js';
import { createConnectorsRepo } from './connectors.js';
import { createMessagesRepo } from './messages.js';
import { createMessageEventsRepo } from './message-events.js';
import { createOutboxRepo } from './outbox.js';
import { createIdempotencyRepo } from './idempotency.js';
import { createOptOutsRepo } from './opt-outs.js';
import { createAuditRepo } from './audit.js';
import { createAnalyticsRepo } from './analytics.js';
import { createVerifyRepo } from './verify.js';
import { createSigningKeysRepo } from './signing-keys.js';
import { createUnitOfWork } from './unit-of-work.js';
import { createAccountsRepo } from './accounts.js';
import { createUsersRepo } from './users.js';
import { createMembersRepo } from './members.js';
import { createSessionsRepo } from './sessions.js';
import { createAdminTokensRepo } from './admin-tokens.js';
import { createInvitesRepo } from './invites.js';
import { createSetupTokensRepo } from './setup-tokens.js';
import { createAuthSigningKeysRepo } from './auth-signing-keys.js';
import { createRetentionRepo } from './retention.js';
import { createWebhooksRepo } from './webhooks.js';
import { createInboundRepo } from './inbound.js';
import { createBatchesRepo } from './batches.js';
import { createContactsRepo } from './contacts.js';
import { createImportsRepo } from './imports.js';

/**
 * Every repository on `db`. With `direct`, writes the store otherwise group-commits (enqueues,
 * completed deliveries) run at once: the repositories a unit of work hands to its `work`.
 */
function createRepositories(db: Database.Database, options: { direct?: boolean } = {}): Repositories {
  const messages = createMessagesRepo(db, options);
  return {
    projects: createProjectsRepo(db),
    keys: createKeysRepo(db),
    templates: createTemplatesRepo(db),
    connectors: createConnectorsRepo(db),
    messages,
    batches: createBatchesRepo(db),
    contacts: createContactsRepo(db),
    imports: createImportsRepo(db),
    status: messages,
    messageEvents: createMessageEventsRepo(db),
    outbox: createOutboxRepo(db, options),
    idempotency: createIdempotencyRepo(db),
    optOuts: createOptOutsRepo(db),
    audit: createAuditRepo(db),
    analytics: createAnalyticsRepo(db),
    verify: createVerifyRepo(db),
    signingKeys: createSigningKeysRepo(db),
    accounts: createAccountsRepo(db),
    users: createUsersRepo(db),
    members: createMembersRepo(db),
    sessions: createSessionsRepo(db),
    adminTokens: createAdminTokensRepo(db),
    invites: createInvitesRepo(db),
    setupTokens: createSetupTokensRepo(db),
    authSigningKeys: createAuthSigningKeysRepo(db),
    retention: createRetentionRepo(db),
    webhooks: createWebhooksRepo(db),
    inbound: createInboundRepo(db, options),
  };
}

/** The default store: one SQLite file in the data directory. */
export function createSqliteStore(dataDir: string): Store {
  const db = openDatabase(dataDir);
  const ping = db.prepare('SELECT 1');
  const version = db.prepare('SELECT sqlite_version() AS v').pluck();
  // Prepared on the first unit of work: most processes (and every send) never open one.
  let direct: Repositories | null = null;
  return {
    ...createRepositories(db),
    transaction: createUnitOfWork(db, () => (direct ??= createRepositories(db, { direct: true }))),
    async ping() {
      try {
        return ping.get() !== undefined;
      } catch {
        return false;
      }
    },
    async about() {
      const schemaVersion = db.pragma('user_version', { simple: true }) as number;
      return { backend: 'sqlite', serverVersion: version.get() as string, schemaVersion };
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
