import type { Channel, MessageCategory, MessagePriority, MessageStatus } from '@messagejs/shared-types';
import type { IdempotencyRecord } from './idempotency.js';
import type { ProviderCallback } from './message-events.js';
import type { OutboxLease } from './outbox.js';
import type { Page, PageRequest } from './page.js';

/** A message as stored, from acceptance to its final status. */
export interface Message {
  id: string;
  projectId: string;
  keyId: string;
  channel: Channel;
  to: string;
  country: string | null;
  operator: string | null;
  template: string | null;
  /** The version of `template` the message was rendered from (null for free text and older messages). */
  templateVersion?: number | null;
  subject: string | null;
  body: string;
  html: string | null;
  status: MessageStatus;
  segments: number | null;
  encoding: 'GSM-7' | 'UCS-2' | null;
  costEur: number | null;
  costMad: number | null;
  /** Channels still to try after this one, in order. */
  cascade: Channel[];
  /**
   * The body holds a secret (a verification code): body and subject are stored sealed under the
   * master key (`sealContent`), opened only by the worker, and blanked once the message is final.
   */
  sensitive?: boolean;
  /** With a cascade: try the next channel when this one has not reported delivered/read in this time. */
  fallbackAfterMs?: number | null;
  /** Where this message's status events are posted too (issue 15; `callbackUrl` of a secret-key send). Written, never read back. */
  callbackUrl?: string | null;
  /** Claimed before lower priorities when due (issue 16); `normal` when absent. */
  priority?: MessagePriority;
  /** Not sent after this (ms): the worker sets it `expired` instead. */
  expireAt?: number | null;
  category?: MessageCategory | null;
  /** The caller's own id for the message (filterable in the history). */
  reference?: string | null;
  /** The caller's data, returned on GET and in the message's events. */
  metadata?: MessageMetadata | null;
  /** The sender id or number the caller chose, among those its connectors allow. */
  sender?: string | null;
  /** A class 0 SMS, shown at once and not stored by the handset. */
  flash?: boolean;
  /** The bulk request's batch it came in (issue 16). */
  batchId?: string | null;
  providerMessageId: string | null;
  connectorId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: number;
  updatedAt: number;
  scheduledAt: number | null;
  sentAt: number | null;
  deliveredAt: number | null;
}

/** A message's `metadata`: at most 16 keys of strings, numbers, booleans or null. */
export type MessageMetadata = Record<string, string | number | boolean | null>;

/** The numbers `priority` is stored as (the outbox's claim order). */
export const priorityRank: Readonly<Record<MessagePriority, number>> = { high: 0, normal: 1, low: 2 };
export const priorityOfRank = (rank: number | null | undefined): MessagePriority =>
  rank === 0 ? 'high' : rank === 2 ? 'low' : 'normal';

/** One delivery attempt of a message on one connector. */
export interface MessageAttemptRecord {
  messageId: string;
  channel: Channel;
  connectorId: string;
  connectorType: string;
  providerMessageId: string | null;
  status: MessageStatus;
  errorCode: string | null;
  at: number;
  /** How long the provider took to answer the attempt (ms); null when not measured. */
  latencyMs?: number | null;
}

/** What `messages.enqueue` writes for one accepted message. */
export interface EnqueueInput {
  message: Message;
  /** Stored in the same transaction; a clash on (keyId, idempotencyKey) rolls the message back. */
  idempotency?: Omit<IdempotencyRecord, 'createdAt'> & { createdAt: number };
  dueAt: number;
  /**
   * The outbox row is written already leased (first attempt) to an in-process worker that takes
   * the message from memory: no claim transaction. After a crash the lease expires like any other.
   */
  lease?: OutboxLease;
  /** The template the message was rendered from: its use is counted in the same transaction. */
  templateId?: string;
}

/** Accepted messages: written with their outbox row, read by id or provider id. */
export interface MessagesRepo {
  /**
   * Writes the message, its outbox row and its idempotency record in one transaction. When the
   * idempotency key is already taken, nothing is written and the stored record is returned.
   */
  enqueue(input: EnqueueInput): Promise<{ ok: true } | { ok: false; existing: IdempotencyRecord }>;
  /**
   * The message and its outbox lease (null without an outbox row, 0 when free). A `queued` or
   * `scheduled` message whose lease is running is being sent: no status is written for that.
   */
  get(id: string): Promise<(Message & { leaseUntil: number | null }) | null>;
  getByProviderId(connectorId: string, providerMessageId: string): Promise<Message | null>;
  /**
   * Cancels a message still waiting to be sent, in one transaction: its outbox row (a send, not
   * leased at `at`) is taken, the message set `canceled` at `at` (its `message.canceled` event and
   * rollups follow from the write, as for any status) and a sensitive body redacted. False, and
   * nothing written, when it is not waiting: being sent, sent (a fallback check), or past sending.
   */
  cancel(id: string, at: number): Promise<boolean>;
  attempts(id: string): Promise<MessageAttemptRecord[]>;
  /** Count of messages in the project (tests and analytics). */
  count(projectId?: string): Promise<number>;
  /**
   * A project's messages, newest first (`created_at`, then id, both descending), filtered: the
   * history. The page's position key is `createdAt`.
   */
  page(projectId: string, filter: MessageFilter, page: PageRequest): Promise<Page<Message>>;
}

/** Filters of the message history, combined with AND; each one left out matches every message. */
export interface MessageFilter {
  statuses?: readonly MessageStatus[];
  channel?: Channel;
  template?: string;
  connectorId?: string;
  country?: string;
  operator?: string;
  /** The recipient: the whole address, or (`suffix`) its last digits. */
  to?: { exact: string } | { suffix: string };
  /** Created at or after (ms). */
  createdFrom?: number;
  /** Created before (ms). */
  createdBefore?: number;
  /** The caller's `reference`, whole. */
  reference?: string;
  /** Every stored message is outbound until inbound messages exist: `inbound` matches none. */
  direction?: 'outbound' | 'inbound';
  /**
   * Text the body holds, ASCII letters in any case (both backends fold ASCII only). Messages
   * holding a secret (`sensitive`) never match: their body is sealed.
   */
  text?: string;
}

/** Statuses that providers report (webhooks), applied in order of progress only. */
export interface StatusRepo {
  /**
   * Applies a provider-reported status unless it would move the message backwards; true when it
   * did. With `callback`, also records it as the message's `callback` event, applied or not, in
   * the same transaction.
   */
  applyProviderStatus(input: {
    messageId: string;
    status: MessageStatus;
    errorCode: string | null;
    at: number;
    callback?: ProviderCallback;
  }): Promise<boolean>;
}
