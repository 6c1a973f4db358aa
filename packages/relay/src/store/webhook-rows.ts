import type {
  ClaimedDelivery,
  EndpointDisabledReason,
  EventRecord,
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookDeliveryStatus,
  WebhookEndpointPatch,
  WebhookEndpointRecord,
} from './types/index.js';

/** A row of `webhook_endpoints`, the same on both backends (as are the mappers below). */
export interface EndpointRow {
  id: string;
  project_id: string;
  url: string;
  description: string;
  events: string;
  active: number;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_until: number | null;
  disabled_reason: EndpointDisabledReason | null;
  failing_since: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
  created_at: number;
  updated_at: number;
}

export const toEndpoint = (r: EndpointRow): WebhookEndpointRecord => ({
  id: r.id,
  projectId: r.project_id,
  url: r.url,
  description: r.description,
  events: JSON.parse(r.events) as string[],
  active: r.active === 1,
  secretSealed: r.secret_sealed,
  previousSecretSealed: r.previous_secret_sealed,
  previousSecretUntil: r.previous_secret_until,
  disabledReason: r.disabled_reason,
  failingSince: r.failing_since,
  lastSuccessAt: r.last_success_at,
  lastFailureAt: r.last_failure_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The columns an endpoint record writes, in `endpointColumns` order. */
export const endpointColumns = [
  'id',
  'project_id',
  'url',
  'description',
  'events',
  'active',
  'secret_sealed',
  'previous_secret_sealed',
  'previous_secret_until',
  'disabled_reason',
  'failing_since',
  'last_success_at',
  'last_failure_at',
  'created_at',
  'updated_at',
] as const;

export const endpointValues = (e: WebhookEndpointRecord): unknown[] => [
  e.id,
  e.projectId,
  e.url,
  e.description,
  JSON.stringify(e.events),
  e.active ? 1 : 0,
  e.secretSealed,
  e.previousSecretSealed,
  e.previousSecretUntil,
  e.disabledReason,
  e.failingSince,
  e.lastSuccessAt,
  e.lastFailureAt,
  e.createdAt,
  e.updatedAt,
];

/** The `SET` assignments of `patch` as [column, value] pairs. */
export function endpointPatchColumns(patch: WebhookEndpointPatch): Array<[string, unknown]> {
  const pairs: Array<[string, unknown]> = [];
  if (patch.url !== undefined) pairs.push(['url', patch.url]);
  if (patch.description !== undefined) pairs.push(['description', patch.description]);
  if (patch.events !== undefined) pairs.push(['events', JSON.stringify(patch.events)]);
  if (patch.active !== undefined) pairs.push(['active', patch.active ? 1 : 0]);
  if (patch.disabledReason !== undefined) pairs.push(['disabled_reason', patch.disabledReason]);
  if (patch.secretSealed !== undefined) pairs.push(['secret_sealed', patch.secretSealed]);
  if (patch.previousSecretSealed !== undefined) pairs.push(['previous_secret_sealed', patch.previousSecretSealed]);
  if (patch.previousSecretUntil !== undefined) pairs.push(['previous_secret_until', patch.previousSecretUntil]);
  if (patch.failingSince !== undefined) pairs.push(['failing_since', patch.failingSince]);
  return pairs;
}

export interface EventRow {
  seq: number;
  id: string;
  project_id: string;
  type: string;
  created_at: number;
  message_id: string | null;
  data: string;
}

export const toEvent = (r: EventRow): EventRecord => ({
  seq: r.seq,
  id: r.id,
  projectId: r.project_id,
  type: r.type,
  createdAt: r.created_at,
  messageId: r.message_id,
  data: r.data,
});

/** A delivery row joined with its event's id and type. */
export interface DeliveryRow {
  id: number;
  project_id: string;
  endpoint_id: string | null;
  url: string | null;
  event_id: string;
  event_type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  due_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** `SELECT` list of a delivery with its event (`d` deliveries, `e` events). */
export const deliveryColumns = `d.id, d.project_id, d.endpoint_id, d.url, e.id AS event_id, e.type AS event_type, d.status,
  d.attempts, d.due_at, d.last_status_code, d.last_error, d.created_at, d.updated_at`;

export const toDelivery = (r: DeliveryRow): WebhookDeliveryRecord => ({
  id: r.id,
  projectId: r.project_id,
  endpointId: r.endpoint_id,
  url: r.url,
  eventId: r.event_id,
  eventType: r.event_type,
  status: r.status,
  attempts: r.attempts,
  // A leased pending delivery's due time is its lease: still "due" to whoever reads the log.
  dueAt: r.status === 'pending' ? r.due_at : null,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface AttemptRow {
  at: number;
  status_code: number | null;
  latency_ms: number;
  response: string;
  error: string | null;
}

export const toAttempt = (r: AttemptRow): WebhookAttemptRecord => ({
  at: r.at,
  statusCode: r.status_code,
  latencyMs: r.latency_ms,
  response: r.response,
  error: r.error,
});

/** A claimed delivery joined with its event and endpoint. */
export interface ClaimRow {
  id: number;
  project_id: string;
  attempts: number;
  url: string | null;
  endpoint_id: string | null;
  event_id: string;
  event_type: string;
  event_created_at: number;
  event_data: string;
  endpoint_url: string | null;
  secret_sealed: string | null;
  previous_secret_sealed: string | null;
  previous_secret_until: number | null;
  endpoint_active: number | null;
}

/**
 * The endpoint whose secret signs delivery `d`: its own, or — for a message's callback URL — the
 * project's first (oldest) endpoint. Joined as `w` by a claim, so no delivery reads it again.
 */
export const signingEndpointJoin = `LEFT JOIN webhook_endpoints w ON w.id = coalesce(d.endpoint_id,
  (SELECT f.id FROM webhook_endpoints f WHERE f.project_id = d.project_id ORDER BY f.created_at, f.id LIMIT 1))`;

/** `SELECT` list of a claim (`d` deliveries, `e` events, `w` the signing endpoint, left-joined). */
export const claimColumns = `d.id, d.project_id, d.attempts, d.url, d.endpoint_id, e.id AS event_id, e.type AS event_type,
  e.created_at AS event_created_at, e.data AS event_data, w.url AS endpoint_url, w.secret_sealed,
  w.previous_secret_sealed, w.previous_secret_until, w.active AS endpoint_active`;

export const toClaimed = (r: ClaimRow, owner: string): ClaimedDelivery => ({
  id: r.id,
  projectId: r.project_id,
  attempts: r.attempts,
  owner,
  event: { id: r.event_id, type: r.event_type, createdAt: r.event_created_at, data: r.event_data },
  endpoint:
    r.endpoint_id === null
      ? null
      : {
          id: r.endpoint_id,
          url: r.endpoint_url!,
          secretSealed: r.secret_sealed!,
          previousSecretSealed: r.previous_secret_sealed,
          previousSecretUntil: r.previous_secret_until,
          active: r.endpoint_active === 1,
        },
  url: r.url,
  signer:
    r.secret_sealed === null
      ? null
      : {
          secretSealed: r.secret_sealed,
          previousSecretSealed: r.previous_secret_sealed,
          previousSecretUntil: r.previous_secret_until,
        },
});

/** The error a delivery fails with when its endpoint is turned off. */
export const ENDPOINT_DISABLED = 'endpoint_disabled';
