import type { ClaimedJob } from '../../store/types.js';
import type { JobHandler } from '../job-handler.js';
import { afterDeadline } from '../delivery-policy.js';
import { giveUp, type DeliveryDeps } from './give-up.js';

/**
 * The `fallback_check` job, due `fallbackAfterMs` after a message was sent on a channel it may
 * cascade from: the channel had that long to report delivery; without it, the next channel is tried.
 */
export function createFallbackCheckHandler(deps: DeliveryDeps): JobHandler {
  return async function fallbackCheck(job: ClaimedJob): Promise<void> {
    const { message } = job;
    const decision = afterDeadline(message);
    if (decision.action === 'finish') return deps.store.outbox.finish(job);
    return giveUp(deps, job, decision, null, 'fallback_timeout', `No delivery report on ${message.channel} in time.`);
  };
}
