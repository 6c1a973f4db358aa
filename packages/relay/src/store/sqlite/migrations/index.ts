import { up as initial } from './001-initial.js';
import { up as verify } from './002-verify.js';
import { up as cascade } from './003-cascade.js';
import { up as providerIndexes } from './004-provider-indexes.js';
import { up as pricesAndFallbacks } from './005-prices-and-fallbacks.js';
import { up as supersededAttempts } from './006-superseded-attempts.js';
import { up as numberTypes } from './007-number-types.js';
import { up as verifyPumping } from './008-verify-pumping.js';
import { up as accounts } from './009-accounts.js';
import { up as projectAdmin } from './010-project-admin.js';
import { up as templatesAudit } from './011-templates-audit.js';
import { up as messageHistory } from './012-message-history.js';
import { up as verifyHistoryRetention } from './013-verify-history-retention.js';
import { up as messageEvents } from './014-message-events.js';
import { up as analytics } from './015-analytics.js';
import { up as webhooks } from './016-webhooks.js';
import { up as inbound } from './017-inbound.js';
import { up as messageBatches } from './018-message-batches.js';
import { up as rollupFold } from './019-rollup-fold.js';
import { up as messageOptions } from './020-message-options.js';
import { up as contactImports } from './021-contact-imports.js';

/**
 * Ordered schema migrations, one file each (`NNN-name.ts`); index + 1 is the `user_version` after
 * applying one. Applied in order, in one transaction, by `openDatabase`.
 */
export const migrations: readonly string[] = [
  initial,
  verify,
  cascade,
  providerIndexes,
  pricesAndFallbacks,
  supersededAttempts,
  numberTypes,
  verifyPumping,
  accounts,
  projectAdmin,
  templatesAudit,
  messageHistory,
  verifyHistoryRetention,
  messageEvents,
  analytics,
  webhooks,
  inbound,
  messageBatches,
  rollupFold,
  messageOptions,
  contactImports,
];
