import initial from './001-initial.js';
import messageHistory from './002-message-history.js';
import verifyHistoryRetention from './003-verify-history-retention.js';
import messageEvents from './004-message-events.js';
import analytics from './005-analytics.js';
import webhooks from './006-webhooks.js';
import inbound from './007-inbound.js';
import untimedAttempts from './008-untimed-attempts.js';
import messageOptions from './009-message-options.js';
import contactImports from './010-contact-imports.js';

/** PostgreSQL migrations in order; version N is `migrations[N - 1]`, each applied in its own transaction. */
export const migrations: readonly string[] = [
  initial,
  messageHistory,
  verifyHistoryRetention,
  messageEvents,
  analytics,
  webhooks,
  inbound,
  untimedAttempts,
  messageOptions,
  contactImports,
];
