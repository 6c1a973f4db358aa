import type { Logger } from 'pino';
import type { EndpointDisabledReason, Store } from '../../store/types.js';
import { systemActor } from '../../domain/actor.js';
import { recordChange } from '../audit/record-change.js';

/**
 * What the relay does when its webhook dispatcher turns an endpoint off (`410 Gone`, or 5 days of
 * failures): the audit log says so (the account's owners read it, and `audit` filters on
 * `webhook.disabled`), the log warns, and an `endpoint.disabled` event goes to the project's other
 * endpoints that subscribe to it.
 */
export function endpointDisabledNotices(deps: { store: Store; now: () => number; logger: Logger }) {
  return async (disabled: Array<{ projectId: string; endpointId: string; reason: EndpointDisabledReason }>) => {
    for (const { projectId, endpointId, reason } of disabled) {
      const at = deps.now();
      const why = reason === 'gone' ? 'it answered 410 Gone' : 'it failed for 5 days';
      deps.logger.warn({ projectId, endpointId, reason }, `webhook endpoint turned off: ${why}`);
      await recordChange(deps.store, systemActor, {
        projectId,
        action: 'webhook.disabled',
        resource: { type: 'webhook', id: endpointId },
        detail: { reason },
        at,
      });
      await deps.store.webhooks.recordEvent({
        projectId,
        type: 'endpoint.disabled',
        at,
        data: JSON.stringify({ endpointId, reason, message: `The relay turned endpoint ${endpointId} off: ${why}.` }),
      });
    }
  };
}
