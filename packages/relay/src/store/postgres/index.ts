import type { Repositories, Store } from '../types/index.js';
import { migratePostgres, openPostgres, type StoreLogger } from './database.js';
import { poolDb } from './pg-db.js';
import type { PgDb } from './queryable.js';
import { createUnitOfWork } from './unit-of-work.js';
import { createWorkListener, WEBHOOKS_CHANNEL } from './work-listener.js';
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

/** Group commit for sends on the store's pool (`batcher.ts`): statements in flight, inputs per statement. */
const ENQUEUE_BATCH = { slots: 2, maxBatch: 256 };
/** The same for the records of finished deliveries. */
const COMPLETE_BATCH = { slots: 2, maxBatch: 256 };

/** Every repository on `db`: the store's pool (`pooled`), or one unit of work's client. */
function createRepositories(db: PgDb, pooled = false): Repositories & { drain: () => Promise<void> } {
  const messages = createMessagesRepo(db, pooled ? { batch: ENQUEUE_BATCH } : {});
  const outbox = createOutboxRepo(db, pooled ? { batch: COMPLETE_BATCH } : {});
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
    outbox,
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
    inbound: createInboundRepo(db),
    drain: () => Promise.all([messages.drain(), outbox.drain()]).then(() => undefined),
  };
}

/** How `createPostgresStore` opens the database. */
export interface PostgresStoreOptions {
  /**
   * Apply pending migrations on open (under an advisory lock, so several relays may start at once).
   * @default true
   */
  migrate?: boolean;
  /**
   * Connections the pool opens at most (the LISTEN connection comes on top of them).
   * @default 10
   */
  poolMax?: number;
  /** `statement_timeout` and `idle_in_transaction_session_timeout` of the pool's connections (`PostgresOptions`). */
  statementTimeoutMs?: number;
  /**
   * What the server shows in `pg_stat_activity.application_name`.
   * @default 'messagejs-relay'
   */
  applicationName?: string;
  logger?: StoreLogger;
}

/** The PostgreSQL store: a `Store` whose `onWork` is always there. */
export type PostgresStore = Store & { onWork(listener: () => void): () => void };

/**
 * The store on PostgreSQL at `url` (`postgres://user:password@host:5432/database`): one pool for
 * every repository, units of work on a client of their own, and a LISTEN connection that tells
 * `onWork` listeners when another process queued work. Fails when the server cannot be reached
 * or the schema cannot be migrated (a database newer than this relay).
 */
export async function createPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const { logger, applicationName } = options;
  const pool = openPostgres(url, {
    max: options.poolMax,
    statementTimeoutMs: options.statementTimeoutMs,
    applicationName,
    logger,
  });
  try {
    if (options.migrate !== false) await migratePostgres(pool, logger);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  const work = createWorkListener(url, { logger, applicationName });
  let closing: Promise<void> | null = null;
  const { drain, ...repositories } = createRepositories(poolDb(pool), true);
  return {
    ...repositories,
    transaction: createUnitOfWork(pool, (db) => createRepositories(db)),
    onWork: (listener) => work.subscribe(listener),
    onWebhooks: (listener) => work.subscribe(listener, WEBHOOKS_CHANNEL),
    async ping() {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async about() {
      const { rows } = await pool.query<{ server_version: string; schema: number | null }>(
        "SELECT current_setting('server_version') AS server_version, (SELECT max(version) FROM schema_migrations) AS schema",
      );
      return {
        backend: 'postgres',
        serverVersion: rows[0]!.server_version,
        schemaVersion: Number(rows[0]!.schema ?? 0),
      };
    },
    close() {
      // The pool may be ended once only: later calls wait for the first.
      closing ??= (async () => {
        await work.close();
        await drain();
        await pool.end();
      })();
      return closing;
    },
  };
}
