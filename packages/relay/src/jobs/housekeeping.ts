import type { Logger } from 'pino';
import type { Store } from '../store/types.js';

/** Idempotency records are kept ≥ 24 h (a client may retry within a day); older ones are dropped. */
export const IDEMPOTENCY_TTL_MS = 25 * 3600_000;
const PURGE_EVERY_MS = 3600_000;

/**
 * Chores the scheduler runs on its turns, so tables do not grow without bound: idempotency records
 * past their TTL are purged hourly. Returns the function to call on each turn; it does nothing
 * until a chore is due.
 */
export function createHousekeeping(deps: { store: Store; now: () => number; log: Logger }): () => Promise<void> {
  const { store, now, log } = deps;
  let lastPurgeAt = 0;
  return async function housekeeping() {
    if (now() - lastPurgeAt < PURGE_EVERY_MS) return;
    lastPurgeAt = now();
    const purged = await store.idempotency.purge(now() - IDEMPOTENCY_TTL_MS);
    if (purged > 0) log.info({ purged }, 'old idempotency records dropped');
  };
}
