import type { Logger } from 'pino';
import type { RelayConfig } from '../config.js';
import type { Store } from '../store/types.js';
import type { WorkerOptions } from '../jobs/worker.js';
import { parseTargetPolicy, type TargetPolicy } from '../features/webhooks/target-policy.js';
import { endpointDisabledNotices } from '../features/webhooks/notices.js';

/**
 * Where webhooks may go (`MESSAGEJS_ALLOW_PRIVATE_TARGETS`, `MESSAGEJS_ALLOW_HTTP_WEBHOOKS`), and
 * what the worker's webhook dispatcher is given: that policy, and the notices it sends when it
 * turns an endpoint off.
 */
export function webhookSetup(
  config: Readonly<RelayConfig>,
  deps: { store: Store; now: () => number; logger: Logger },
): { policy: TargetPolicy; worker: NonNullable<WorkerOptions['webhooks']> } {
  const { allowPrivateTargets, allowHttp } = config.webhooks;
  const policy = parseTargetPolicy({ allowPrivateTargets: allowPrivateTargets ?? undefined, allowHttp });
  return { policy, worker: { policy, onDisabled: endpointDisabledNotices(deps) } };
}
