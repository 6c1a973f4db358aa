import {
  createWebhookRequestSchema,
  maxWebhookEndpoints,
  updateWebhookRequestSchema,
  webhookReplayRequestSchema,
  type WebhookEndpoint,
} from '@messagejs/shared-types';
import type { Store, WebhookEndpointPatch, WebhookEndpointRecord } from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';
import { newId } from '../../crypto/tokens.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { isoTime } from '../../domain/iso-time.js';
import { recordChange } from '../audit/record-change.js';
import { projectFor } from '../projects/require-project.js';
import { isEventType } from './event-types.js';
import { newWebhookSecret } from './signing.js';
import { checkTargetUrl, type TargetPolicy } from './target-policy.js';

/** What the webhook services need; built once by `app.ts` (and the CLI). */
export interface WebhookDeps {
  store: Store;
  sealer: Sealer;
  policy: TargetPolicy;
  now: () => number;
  /** Wakes this process's webhook dispatcher after an event was queued by hand (a test, a replay). */
  wake?: () => void;
}

/** How long the secret before a rotation keeps signing beside the new one. */
export const SECRET_OVERLAP_MS = 86_400_000;

const notFound = (id: string) =>
  new AppError('webhook_not_found', `No webhook endpoint ${id.slice(0, 100)} in this project.`, {
    field: 'endpointId',
  });

/** The endpoint as the API shows it: never its secret. */
export function endpointView(e: WebhookEndpointRecord, now: number): WebhookEndpoint {
  const time = (v: number | null) => (v === null ? null : isoTime(v));
  return {
    id: e.id,
    projectId: e.projectId,
    url: e.url,
    description: e.description,
    events: e.events,
    active: e.active,
    disabledReason: e.active ? null : (e.disabledReason ?? 'manual'),
    previousSecretExpiresAt:
      e.previousSecretSealed && (e.previousSecretUntil ?? 0) > now ? time(e.previousSecretUntil) : null,
    failingSince: time(e.failingSince),
    lastSuccessAt: time(e.lastSuccessAt),
    lastFailureAt: time(e.lastFailureAt),
    createdAt: isoTime(e.createdAt),
    updatedAt: isoTime(e.updatedAt),
  };
}

function checkEvents(events: string[] | undefined): string[] | undefined {
  if (events === undefined) return undefined;
  const unique = [...new Set(events)];
  if (unique.includes('*')) return ['*'];
  const unknown = unique.find((e) => !isEventType(e));
  if (unknown !== undefined) {
    throw new AppError(
      'validation_failed',
      `Unknown event type ${unknown.slice(0, 64)} (see GET /v1/webhooks/event-types).`,
      {
        field: 'events',
      },
    );
  }
  return unique;
}

/** The endpoint after the project (404) and `manage_webhooks` (403) checks. */
export async function endpointFor(deps: WebhookDeps, projectId: string, endpointId: string, actor: Actor) {
  await projectFor(deps.store, projectId, 'manage_webhooks', actor.principal);
  const endpoint = await deps.store.webhooks.getEndpoint(projectId, endpointId);
  if (!endpoint) throw notFound(endpointId);
  return endpoint;
}

/** Adds an endpoint; its secret is answered this once. */
export async function createEndpoint(deps: WebhookDeps, projectId: string, body: unknown, actor: Actor = systemActor) {
  const project = await projectFor(deps.store, projectId, 'manage_webhooks', actor.principal);
  const parsed = createWebhookRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  const url = (await checkTargetUrl(input.url, deps.policy)).href;
  const events = checkEvents(input.events)!;
  if ((await deps.store.webhooks.listEndpoints(projectId)).length >= maxWebhookEndpoints) {
    throw new AppError('limit_exceeded', `A project may have at most ${maxWebhookEndpoints} webhook endpoints.`, {
      field: 'url',
    });
  }
  const now = deps.now();
  const secret = newWebhookSecret();
  const record: WebhookEndpointRecord = {
    id: newId('whe'),
    projectId,
    url,
    description: input.description,
    events,
    active: input.active,
    secretSealed: deps.sealer.seal(secret),
    previousSecretSealed: null,
    previousSecretUntil: null,
    disabledReason: input.active ? null : 'manual',
    failingSince: null,
    lastSuccessAt: null,
    lastFailureAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const view = endpointView(record, now);
  await deps.store.transaction(async (tx) => {
    await tx.webhooks.createEndpoint(record);
    await recordChange(tx, actor, {
      projectId,
      accountId: project.accountId,
      action: 'webhook.create',
      resource: { type: 'webhook', id: record.id },
      after: view,
      at: now,
    });
  });
  return { endpoint: view, secret };
}

export async function listEndpoints(deps: WebhookDeps, projectId: string, actor: Actor = systemActor) {
  await projectFor(deps.store, projectId, 'manage_webhooks', actor.principal);
  const now = deps.now();
  return (await deps.store.webhooks.listEndpoints(projectId)).map((e) => endpointView(e, now));
}

export async function getEndpoint(
  deps: WebhookDeps,
  projectId: string,
  endpointId: string,
  actor: Actor = systemActor,
) {
  return endpointView(await endpointFor(deps, projectId, endpointId, actor), deps.now());
}

/** Changes what the body names; `active: true` clears why it was off and its failing streak. */
export async function updateEndpoint(
  deps: WebhookDeps,
  projectId: string,
  endpointId: string,
  body: unknown,
  actor: Actor = systemActor,
) {
  const before = await endpointFor(deps, projectId, endpointId, actor);
  const parsed = updateWebhookRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const input = parsed.data;
  const patch: WebhookEndpointPatch = {};
  if (input.url !== undefined) patch.url = (await checkTargetUrl(input.url, deps.policy)).href;
  if (input.events !== undefined) patch.events = checkEvents(input.events)!;
  if (input.description !== undefined) patch.description = input.description;
  if (input.active !== undefined && input.active !== before.active) {
    patch.active = input.active;
    patch.disabledReason = input.active ? null : 'manual';
    if (input.active) patch.failingSince = null;
  }
  return changeEndpoint(deps, before, patch, 'webhook.update', actor);
}

async function changeEndpoint(
  deps: WebhookDeps,
  before: WebhookEndpointRecord,
  patch: WebhookEndpointPatch,
  action: 'webhook.update' | 'webhook.rotate',
  actor: Actor,
): Promise<WebhookEndpointRecord> {
  const now = deps.now();
  return deps.store.transaction(async (tx) => {
    const after = await tx.webhooks.updateEndpoint(before.projectId, before.id, patch, now);
    if (!after) throw notFound(before.id);
    await recordChange(tx, actor, {
      projectId: before.projectId,
      action,
      resource: { type: 'webhook', id: before.id },
      before: endpointView(before, now),
      after: endpointView(after, now),
      at: now,
    });
    return after;
  });
}

/** A new secret, answered this once; the old one keeps signing beside it for 24 h. */
export async function rotateSecret(
  deps: WebhookDeps,
  projectId: string,
  endpointId: string,
  actor: Actor = systemActor,
) {
  const before = await endpointFor(deps, projectId, endpointId, actor);
  const secret = newWebhookSecret();
  const after = await changeEndpoint(
    deps,
    before,
    {
      secretSealed: deps.sealer.seal(secret),
      previousSecretSealed: before.secretSealed,
      previousSecretUntil: deps.now() + SECRET_OVERLAP_MS,
    },
    'webhook.rotate',
    actor,
  );
  return { endpoint: endpointView(after, deps.now()), secret };
}

export async function deleteEndpoint(
  deps: WebhookDeps,
  projectId: string,
  endpointId: string,
  actor: Actor = systemActor,
) {
  const before = await endpointFor(deps, projectId, endpointId, actor);
  const now = deps.now();
  await deps.store.transaction(async (tx) => {
    if (!(await tx.webhooks.deleteEndpoint(projectId, endpointId))) throw notFound(endpointId);
    await recordChange(tx, actor, {
      projectId,
      action: 'webhook.delete',
      resource: { type: 'webhook', id: endpointId },
      before: endpointView(before, now),
      at: now,
    });
  });
  return endpointView(before, now);
}

/** Queues a `webhook.test` event for this one endpoint (even while it is off). */
export async function sendTestEvent(
  deps: WebhookDeps,
  projectId: string,
  endpointId: string,
  actor: Actor = systemActor,
) {
  const endpoint = await endpointFor(deps, projectId, endpointId, actor);
  const now = deps.now();
  const eventId = await deps.store.webhooks.recordEvent({
    projectId,
    type: 'webhook.test',
    at: now,
    endpointId: endpoint.id,
    data: JSON.stringify({ endpointId: endpoint.id, message: 'A test event from MessageJS.' }),
  });
  deps.wake?.();
  return { eventId };
}

/** Sends one event again, or every failed delivery since a time. */
export async function replay(
  deps: WebhookDeps,
  projectId: string,
  endpointId: string,
  body: unknown,
  actor: Actor = systemActor,
) {
  await endpointFor(deps, projectId, endpointId, actor);
  const parsed = webhookReplayRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const now = deps.now();
  let replayed: number;
  if ('eventId' in parsed.data) {
    const found = await deps.store.webhooks.replayEvent(projectId, endpointId, parsed.data.eventId, now);
    if (!found) throw new AppError('event_not_found', 'No such event in this project.', { field: 'eventId' });
    replayed = 1;
  } else {
    replayed = await deps.store.webhooks.replayFailed(projectId, endpointId, Date.parse(parsed.data.since), now);
  }
  await recordChange(deps.store, actor, {
    projectId,
    action: 'webhook.replay',
    resource: { type: 'webhook', id: endpointId },
    detail: { ...parsed.data, replayed },
    at: now,
  });
  deps.wake?.();
  return { replayed };
}
