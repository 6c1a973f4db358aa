import {
  webhookDeliveriesQuerySchema,
  type WebhookDelivery,
  type WebhookDeliveryDetail,
  type WebhookStats,
} from '@messagejs/shared-types';
import type { PageRequest, WebhookAttemptRecord, WebhookDeliveryRecord } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { isoTime } from '../../domain/iso-time.js';
import { endpointFor, type WebhookDeps } from './endpoints.js';

/** How far back an endpoint's stats look unless asked otherwise: a week. */
const STATS_WINDOW_MS = 7 * 86_400_000;

export function deliveryView(d: WebhookDeliveryRecord): WebhookDelivery {
  return {
    id: `whd_${d.id}`,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.dueAt === null ? null : isoTime(d.dueAt),
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: isoTime(d.createdAt),
    updatedAt: isoTime(d.updatedAt),
  };
}

const attemptView = (a: WebhookAttemptRecord) => ({ ...a, at: isoTime(a.at) });

/** The filters of `GET …/deliveries` (the page itself is `pageRequest`'s). */
export function deliveryFilter(query: Record<string, string>) {
  const parsed = webhookDeliveriesQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { status, eventType, since, until } = parsed.data;
  return {
    ...(status && { status }),
    ...(eventType && { eventType }),
    ...(since && { since: Date.parse(since) }),
    ...(until && { until: Date.parse(until) }),
  };
}

/** An endpoint's deliveries, newest first, filtered. */
export async function pageDeliveries(
  deps: WebhookDeps,
  ids: { projectId: string; endpointId: string },
  filter: ReturnType<typeof deliveryFilter>,
  page: PageRequest,
  actor: Actor = systemActor,
) {
  await endpointFor(deps, ids.projectId, ids.endpointId, actor);
  return deps.store.webhooks.pageDeliveries(ids.projectId, ids.endpointId, filter, page);
}

const deliveryNotFound = () =>
  new AppError('not_found', 'No such delivery for this endpoint.', { field: 'deliveryId' });

/** One delivery with every attempt (`whd_<n>`). */
export async function getDelivery(
  deps: WebhookDeps,
  ids: { projectId: string; endpointId: string; deliveryId: string },
  actor: Actor = systemActor,
): Promise<WebhookDeliveryDetail> {
  await endpointFor(deps, ids.projectId, ids.endpointId, actor);
  const match = /^whd_([1-9]\d{0,15})$/.exec(ids.deliveryId);
  if (!match) throw deliveryNotFound();
  const found = await deps.store.webhooks.getDelivery(ids.projectId, ids.endpointId, Number(match[1]));
  if (!found) throw deliveryNotFound();
  return { ...deliveryView(found.delivery), attemptLog: found.attempts.map(attemptView) };
}

/** Success rate, last success and failure, deliveries by state and by event type since `since` (a week by default). */
export async function endpointStats(
  deps: WebhookDeps,
  ids: { projectId: string; endpointId: string },
  sinceText: string | undefined,
  actor: Actor = systemActor,
): Promise<WebhookStats> {
  const endpoint = await endpointFor(deps, ids.projectId, ids.endpointId, actor);
  const since = sinceText === undefined ? deps.now() - STATS_WINDOW_MS : Date.parse(sinceText);
  if (Number.isNaN(since))
    throw new AppError('validation_failed', '`since` must be an ISO 8601 time.', { field: 'since' });
  const stats = await deps.store.webhooks.endpointStats(ids.projectId, ids.endpointId, since);
  return {
    since: isoTime(since),
    deliveries: stats.deliveries,
    attempts: stats.attempts,
    successRate: stats.attempts === 0 ? null : stats.successfulAttempts / stats.attempts,
    lastSuccessAt: endpoint.lastSuccessAt === null ? null : isoTime(endpoint.lastSuccessAt),
    lastFailureAt: endpoint.lastFailureAt === null ? null : isoTime(endpoint.lastFailureAt),
    byType: stats.byType,
  };
}
