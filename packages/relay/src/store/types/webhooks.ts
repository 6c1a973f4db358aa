import type { Page, PageRequest } from './page.js';

/** Why an endpoint stopped receiving: turned off by a person, answered `410 Gone`, or failed for days. */
export type EndpointDisabledReason = 'manual' | 'gone' | 'failing';

/** A project's webhook endpoint: where its events go, signed with the endpoint's secret. */
export interface WebhookEndpointRecord {
  id: string;
  projectId: string;
  url: string;
  description: string;
  /** Event types it receives; `['*']` for all. */
  events: string[];
  active: boolean;
  /** The signing secret (`whsec_…`), sealed with the master key. */
  secretSealed: string;
  /** The secret before the last rotation, still signing beside the new one until `previousSecretUntil`. */
  previousSecretSealed: string | null;
  previousSecretUntil: number | null;
  disabledReason: EndpointDisabledReason | null;
  /** Since when every attempt failed (null after a success). */
  failingSince: number | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** What may change on an endpoint. */
export type WebhookEndpointPatch = Partial<
  Pick<
    WebhookEndpointRecord,
    | 'url'
    | 'description'
    | 'events'
    | 'active'
    | 'disabledReason'
    | 'secretSealed'
    | 'previousSecretSealed'
    | 'previousSecretUntil'
    | 'failingSince'
  >
>;

/** One stored event (the snapshot in `data` is store/event-schema.ts's). */
export interface EventRecord {
  seq: number;
  id: string;
  projectId: string;
  type: string;
  createdAt: number;
  messageId: string | null;
  /** JSON text. */
  data: string;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event's delivery to one endpoint (or to a message's callback URL). */
export interface WebhookDeliveryRecord {
  id: number;
  projectId: string;
  endpointId: string | null;
  /** The message's callback URL, for a delivery to one (null for an endpoint's). */
  url: string | null;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** When it is next tried (pending only). */
  dueAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface WebhookAttemptRecord {
  at: number;
  statusCode: number | null;
  latencyMs: number;
  /** The answer's first KB. */
  response: string;
  error: string | null;
}

/** A delivery claimed by a webhook worker, with what it needs to send it. */
export interface ClaimedDelivery {
  id: number;
  projectId: string;
  attempts: number;
  owner: string;
  event: Pick<EventRecord, 'id' | 'type' | 'createdAt' | 'data'>;
  /** The endpoint, or null for a message's callback URL. */
  endpoint: Pick<
    WebhookEndpointRecord,
    'id' | 'url' | 'secretSealed' | 'previousSecretSealed' | 'previousSecretUntil' | 'active'
  > | null;
  /** The callback URL (endpoint null). */
  url: string | null;
  /**
   * The secrets that sign it: the endpoint's, or for a callback URL the project's first
   * endpoint's; null when the project has none left.
   */
  signer: Pick<WebhookEndpointRecord, 'secretSealed' | 'previousSecretSealed' | 'previousSecretUntil'> | null;
}

/** What one attempt of a claimed delivery came to. */
export interface DeliveryOutcome {
  delivery: ClaimedDelivery;
  attempt: WebhookAttemptRecord;
  /** `delivered`, `failed` for good, or `pending` again at `dueAt`. */
  status: WebhookDeliveryStatus;
  dueAt: number | null;
  /** The endpoint answered `410 Gone`: disable it at once. */
  gone?: boolean;
}

export interface DeliveryFilter {
  status?: WebhookDeliveryStatus;
  eventType?: string;
  since?: number;
  until?: number;
}

export interface EndpointStats {
  deliveries: { pending: number; delivered: number; failed: number };
  attempts: number;
  successfulAttempts: number;
  byType: Array<{ type: string; pending: number; delivered: number; failed: number }>;
}

/** Webhook endpoints, the event log and its deliveries. */
export interface WebhooksRepo {
  createEndpoint(record: WebhookEndpointRecord): Promise<void>;
  getEndpoint(projectId: string, id: string): Promise<WebhookEndpointRecord | null>;
  /** The project's endpoints, oldest first. */
  listEndpoints(projectId: string): Promise<WebhookEndpointRecord[]>;
  /**
   * Changes an endpoint; null when there is none. Turning one off fails its pending deliveries
   * (`endpoint_disabled`), which a replay brings back.
   */
  updateEndpoint(
    projectId: string,
    id: string,
    patch: WebhookEndpointPatch,
    at: number,
  ): Promise<WebhookEndpointRecord | null>;
  deleteEndpoint(projectId: string, id: string): Promise<boolean>;
  /**
   * Records an event the triggers do not write (`webhook.test` for one endpoint, an
   * `endpoint.disabled` notice): it fans out like the others. Returns its id.
   */
  recordEvent(event: {
    projectId: string;
    type: string;
    at: number;
    data: string;
    endpointId?: string | null;
    messageId?: string | null;
  }): Promise<string>;
  getEvent(projectId: string, id: string): Promise<EventRecord | null>;
  /** True while the project has a listener: an active endpoint or a live stream (events are recorded only then). */
  listening(projectId: string): Promise<boolean>;
  /** The project's events after `seq`, oldest first (the live stream's reads). */
  eventsAfter(projectId: string, seq: number, limit: number): Promise<EventRecord[]>;
  /** The `seq` of the project's newest stored event, or 0: where a live stream that resumes nothing starts. */
  lastEventSeq(projectId: string): Promise<number>;
  /**
   * Registers a live stream of the project (`event_listeners`): the triggers record its events
   * until `forMs` after the database's clock (`dbNowMs`), or later when another stream asked for
   * later. Every relay compares `until` with that one clock, so theirs need not agree. Other
   * projects' registrations that have run out are dropped on the way.
   */
  listen(projectId: string, forMs: number): Promise<void>;
  /** Claims up to `limit` due deliveries under a lease of `leaseMs`. */
  claim(now: number, limit: number, leaseMs: number, owner: string): Promise<ClaimedDelivery[]>;
  /**
   * Records the outcomes of attempts (one transaction): each attempt's log, the delivery's new
   * state, the endpoints' last success or failure. Endpoints that answered `410 Gone`, or have
   * failed since before `disableFailingBefore`, are turned off; their ids are returned.
   */
  record(
    outcomes: DeliveryOutcome[],
    at: number,
    disableFailingBefore: number,
  ): Promise<Array<{ projectId: string; endpointId: string; reason: EndpointDisabledReason }>>;
  /** Gives claimed deliveries back (a stopping worker). */
  release(deliveries: ClaimedDelivery[]): Promise<void>;
  pageDeliveries(
    projectId: string,
    endpointId: string,
    filter: DeliveryFilter,
    page: PageRequest,
  ): Promise<Page<WebhookDeliveryRecord>>;
  getDelivery(
    projectId: string,
    endpointId: string,
    id: number,
  ): Promise<{ delivery: WebhookDeliveryRecord; attempts: WebhookAttemptRecord[] } | null>;
  /**
   * Sends one event to the endpoint again (a new delivery when it had none): true when the event
   * exists in the project.
   */
  replayEvent(projectId: string, endpointId: string, eventId: string, at: number): Promise<boolean>;
  /** Tries every failed delivery of the endpoint created since `since` again; how many. */
  replayFailed(projectId: string, endpointId: string, since: number, at: number): Promise<number>;
  endpointStats(projectId: string, endpointId: string, since: number): Promise<EndpointStats>;
  /** Pending deliveries (tests, metrics). */
  pending(): Promise<number>;
  /** The earliest due time among pending deliveries, or null. */
  nextDue(): Promise<number | null>;
}
