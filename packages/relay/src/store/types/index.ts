import type { AuditRepo } from './audit.js';
import type { ConnectorsRepo } from './connectors.js';
import type { IdempotencyRepo } from './idempotency.js';
import type { KeysRepo } from './keys.js';
import type { MessagesRepo, StatusRepo } from './messages.js';
import type { OptOutsRepo } from './opt-outs.js';
import type { OutboxRepo } from './outbox.js';
import type { ProjectsRepo } from './projects.js';
import type { SigningKeysRepo } from './signing-keys.js';
import type { TemplatesRepo } from './templates.js';
import type { VerifyRepo } from './verify.js';

export * from './audit.js';
export * from './connectors.js';
export * from './idempotency.js';
export * from './keys.js';
export * from './messages.js';
export * from './opt-outs.js';
export * from './outbox.js';
export * from './projects.js';
export * from './signing-keys.js';
export * from './templates.js';
export * from './verify.js';

/** Every repository of one backend. Nothing outside `store/` writes SQL. */
export interface Store {
  projects: ProjectsRepo;
  keys: KeysRepo;
  templates: TemplatesRepo;
  connectors: ConnectorsRepo;
  messages: MessagesRepo;
  outbox: OutboxRepo;
  idempotency: IdempotencyRepo;
  status: StatusRepo;
  optOuts: OptOutsRepo;
  audit: AuditRepo;
  verify: VerifyRepo;
  signingKeys: SigningKeysRepo;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
