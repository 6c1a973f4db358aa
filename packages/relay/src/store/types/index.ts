import type { AccountsRepo } from './accounts.js';
import type { AdminTokensRepo } from './admin-tokens.js';
import type { AuditRepo } from './audit.js';
import type { BatchesRepo } from './batches.js';
import type { ContactsRepo } from './contacts.js';
import type { ImportsRepo } from './imports.js';
import type { AnalyticsRepo } from './analytics.js';
import type { AuthSigningKeysRepo } from './auth-signing-keys.js';
import type { InvitesRepo } from './invites.js';
import type { MembersRepo } from './members.js';
import type { SessionsRepo } from './sessions.js';
import type { SetupTokensRepo } from './setup-tokens.js';
import type { UsersRepo } from './users.js';
import type { ConnectorsRepo } from './connectors.js';
import type { IdempotencyRepo } from './idempotency.js';
import type { InboundRepo } from './inbound.js';
import type { KeysRepo } from './keys.js';
import type { MessagesRepo, StatusRepo } from './messages.js';
import type { MessageEventsRepo } from './message-events.js';
import type { OptOutsRepo } from './opt-outs.js';
import type { OutboxRepo } from './outbox.js';
import type { ProjectsRepo } from './projects.js';
import type { RetentionRepo } from './retention.js';
import type { SigningKeysRepo } from './signing-keys.js';
import type { TemplatesRepo } from './templates.js';
import type { VerifyRepo } from './verify.js';
import type { WebhooksRepo } from './webhooks.js';

export * from './accounts.js';
export * from './admin-tokens.js';
export * from './audit.js';
export * from './batches.js';
export * from './contacts.js';
export * from './imports.js';
export * from './analytics.js';
export * from './auth-signing-keys.js';
export * from './invites.js';
export * from './members.js';
export * from './page.js';
export * from './sessions.js';
export * from './setup-tokens.js';
export * from './users.js';
export * from './connectors.js';
export * from './idempotency.js';
export * from './inbound.js';
export * from './keys.js';
export * from './messages.js';
export * from './message-events.js';
export * from './opt-outs.js';
export * from './outbox.js';
export * from './projects.js';
export * from './retention.js';
export * from './signing-keys.js';
export * from './templates.js';
export * from './verify.js';
export * from './webhooks.js';

/** Every repository of one backend, one per aggregate. */
export interface Repositories {
  projects: ProjectsRepo;
  keys: KeysRepo;
  templates: TemplatesRepo;
  connectors: ConnectorsRepo;
  messages: MessagesRepo;
  /** Bulk requests' batches and their messages (issue 16). */
  batches: BatchesRepo;
  /** Contacts and their groups (issue 16). */
  contacts: ContactsRepo;
  /** Contacts' CSV imports and their error reports (issue 16). */
  imports: ImportsRepo;
  outbox: OutboxRepo;
  idempotency: IdempotencyRepo;
  status: StatusRepo;
  messageEvents: MessageEventsRepo;
  optOuts: OptOutsRepo;
  audit: AuditRepo;
  analytics: AnalyticsRepo;
  verify: VerifyRepo;
  signingKeys: SigningKeysRepo;
  accounts: AccountsRepo;
  users: UsersRepo;
  members: MembersRepo;
  sessions: SessionsRepo;
  adminTokens: AdminTokensRepo;
  invites: InvitesRepo;
  setupTokens: SetupTokensRepo;
  authSigningKeys: AuthSigningKeysRepo;
  retention: RetentionRepo;
  webhooks: WebhooksRepo;
  inbound: InboundRepo;
}

/**
 * One unit of work: `work` writes through `tx`, and what it wrote commits together when it returns,
 * or not at all when it throws (the error is rethrown).
 *
 * `work` awaits nothing but `tx`'s repositories — no network, no timers, no other store. SQLite
 * keeps the unit on its one connection, so the unit must end within the same turn of the event
 * loop (its repositories answer at once; the SQLite store fails a unit that outlives its turn); a
 * PostgreSQL unit holds a pooled connection for as long as it runs. Units do not nest.
 *
 * @example
 * await store.transaction(async (tx) => {
 *   await tx.projects.update(projectId, { name });
 *   await tx.audit.record({ projectId, actor, action: 'project.rename', at });
 * });
 */
export type UnitOfWork = <T>(work: (tx: Repositories) => Promise<T>) => Promise<T>;

/** What `store.about()` tells of the database. */
export interface DatabaseAbout {
  backend: 'sqlite' | 'postgres';
  /** SQLite's library version (`sqlite_version()`), or the PostgreSQL server's (`server_version`). */
  serverVersion: string;
  /** The migrations applied: `PRAGMA user_version`, or the highest of `schema_migrations`. */
  schemaVersion: number;
}

/** Every repository of one backend, and its unit of work. Nothing outside `store/` writes SQL. */
export interface Store extends Repositories {
  transaction: UnitOfWork;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  /** Which database this is: its backend, the server's version and the schema version applied (`GET /v1/status`). */
  about(): Promise<DatabaseAbout>;
  close(): Promise<void>;
  /**
   * Calls `listener` when another process queued work (PostgreSQL LISTEN/NOTIFY): a message
   * enqueued, a retry or fallback check scheduled, a fallback check brought forward, leases given
   * back. Also once after a lost connection to the database is back, since notifications sent
   * meanwhile were lost. Returns what removes the listener. Absent on SQLite, where the
   * in-process wake covers it.
   */
  onWork?(listener: () => void): () => void;
  /** Calls `listener` when another process queued webhook deliveries (PostgreSQL `NOTIFY messagejs_webhooks`); absent on SQLite. */
  onWebhooks?(listener: () => void): () => void;
}
