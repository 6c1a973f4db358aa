import type { Logger } from 'pino';
import type { EndpointDisabledReason, Store } from '../../store/types.js';
import { systemActor } from '../../domain/actor.js';
import { recordChange } from '../audit/record-change.js';
import { queuedMessage, relayCaller } from '../messages/queued-message.js';
import { resolveRecipient } from '../recipients/recipients.js';

/**
 * What the relay does when its webhook dispatcher turns an endpoint off (`410 Gone`, or 5 days of
 * failures): the audit log says so (the account's owners read it, and `audit` filters on
 * `webhook.disabled`), the log warns, an `endpoint.disabled` event goes to the project's other
 * endpoints that subscribe to it, and — when the project has an `email` connector, as invites are
 * sent — each active owner of its account gets an email.
 */
export function endpointDisabledNotices(deps: {
  store: Store;
  now: () => number;
  logger: Logger;
  onEnqueued?: () => void;
}) {
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
      const sent = await emailOwners(deps.store, projectId, endpointId, why, at);
      if (sent > 0) deps.onEnqueued?.();
    }
  };
}

/** Queues the notice to each active owner of the project's account; how many, 0 without an email connector. */
async function emailOwners(store: Store, projectId: string, endpointId: string, why: string, at: number) {
  const project = await store.projects.get(projectId);
  if (!project?.accountId || (await store.connectors.forChannel(projectId, 'email')).length === 0) return 0;
  const endpoint = await store.webhooks.getEndpoint(projectId, endpointId);
  let page = await store.members.page(project.accountId, { limit: 100 });
  const members = [...page.items];
  while (page.next) {
    page = await store.members.page(project.accountId, { limit: 100, after: page.next });
    members.push(...page.items);
  }
  const owners = members.filter((m) => m.role === 'owner' && m.status === 'active');
  const caller = relayCaller(project, 'relay', 'relay');
  for (const owner of owners) {
    const message = queuedMessage({
      caller,
      channel: 'email',
      recipient: resolveRecipient('email', owner.email, project, 'email'),
      template: 'webhook_disabled',
      subject: `MessageJS turned a webhook endpoint of ${project.name} off`,
      body:
        `The relay turned the webhook endpoint ${endpoint?.url ?? endpointId} (${endpointId}) of the project ` +
        `${project.name} off: ${why}. Its events are no longer sent. Fix the receiver, turn the endpoint on again ` +
        `(PATCH /v1/projects/${projectId}/webhooks/${endpointId} { "active": true }), then replay what it missed.`,
      html: null,
      now: at,
    });
    await store.messages.enqueue({ message, dueAt: at });
  }
  return owners.length;
}
