import type { Logger } from 'pino';
import type { Store } from '../store/types.js';
import { createRetention, type RetentionSettings } from './retention.js';

/** Idempotency records are kept ≥ 24 h (a client may retry within a day); older ones are dropped. */
export const IDEMPOTENCY_TTL_MS = 25 * 3600_000;
const PURGE_EVERY_MS = 3600_000;
/** How often the analytics rollups count what was written since (SQLite folds them: migration 019). */
export const SETTLE_EVERY_MS = 2_000;
/**
 * The age of the messages the worker settles: most are delivered by then, so each is counted once,
 * as it ends (a message counted while queued is moved between rollup rows by its delivery). Reads
 * settle everything first, so none waits for it.
 */
export const SETTLE_LAG_MS = 10_000;

/**
 * How often housekeeping settles the analytics rollups (`everyMs`; `Infinity`: never, reads still
 * settle first) and how old a message must be to be settled then (`lagMs`).
 */
export interface SettleTuning {
  everyMs?: number;
  lagMs?: number;
}

/** The chores of each scheduler turn (`housekeeping()`), and `stop`, which ends any still running. */
export type Housekeeping = (() => Promise<void>) & { stop: () => Promise<void> };

/**
 * Chores the scheduler runs on its turns, so tables do not grow without bound: every couple of
 * seconds the analytics rollups count the messages written more than a few seconds ago (on
 * SQLite, they are folded in, so the rows waiting stay few), idempotency
 * records past their TTL are purged hourly, and with `retention`, old data is removed hourly too
 * (`retention.ts`). Returns the function to call on each turn; it does nothing until a chore is
 * due. Retention runs in the background, in batches: the turn does not wait for it, so claims and
 * deliveries go on meanwhile.
 */
export function createHousekeeping(deps: {
  store: Store;
  now: () => number;
  log: Logger;
  retention?: RetentionSettings | undefined;
  /** How often the rollups are settled, and the age of the messages settled. @default SETTLE_EVERY_MS, SETTLE_LAG_MS */
  settle?: SettleTuning | undefined;
}): Housekeeping {
  const { store, now, log } = deps;
  const settleEveryMs = deps.settle?.everyMs ?? SETTLE_EVERY_MS;
  const settleLagMs = deps.settle?.lagMs ?? SETTLE_LAG_MS;
  const retention = deps.retention && createRetention({ store, now, log, settings: deps.retention });
  let lastPurgeAt = 0;
  let lastSettleAt = 0;
  async function housekeeping() {
    if (now() - lastSettleAt >= settleEveryMs) {
      lastSettleAt = now();
      await store.analytics.settle(now() - settleLagMs);
    }
    if (now() - lastPurgeAt < PURGE_EVERY_MS) return;
    lastPurgeAt = now();
    const purged = await store.idempotency.purge(now() - IDEMPOTENCY_TTL_MS);
    if (purged > 0) log.info({ purged }, 'old idempotency records dropped');
    if (retention?.enabled) void retention.run();
  }
  return Object.assign(housekeeping, { stop: async () => retention?.stop() });
}
