import type { Channel, MessageStatus } from '@messagejs/shared-types';

/**
 * The steps of a message's timeline the store keeps. The others are read from what is stored
 * anyway: `accepted` from the message row, each attempt from `message_attempts`. Nothing is
 * written on the send path (`POST /v1/messages`): only provider callbacks and the worker's
 * failure paths (retry, failover, fallback, give-up) write events, in the writes they already make.
 */
export type StoredMessageEventType = 'callback' | 'retry' | 'failover' | 'fallback' | 'failed';

/** What a stored event says beyond its columns: small, stored as JSON text. */
export interface MessageEventDetail {
  /** `callback`: the status in the provider's words. */
  providerStatus?: string;
  /** `callback`: the provider's id of the message the callback named. */
  providerMessageId?: string;
  /** `callback`: when the provider says it happened (ms), if it says. */
  reportedAt?: number;
  /** `callback`: whether it moved the message forward (false: out of order or repeated). */
  applied?: boolean;
  /** `fallback`: the channel tried next. */
  to?: Channel;
  /** `failover`: the connector tried next. */
  toConnectorId?: string;
  /** `retry`: when the same connector is tried again (ms). */
  retryAt?: number;
  /** The provider's own code beside the relay's `errorCode`. */
  providerCode?: string;
  /** The provider's words for the failure (cut to `MAX_EVENT_TEXT`), unmasked: readers mask it. */
  errorMessage?: string;
}

/** One stored event of a message. */
export interface MessageEventRecord {
  messageId: string;
  /** When it happened (ms); for a callback, when the relay received it. */
  at: number;
  type: StoredMessageEventType;
  channel: Channel | null;
  connectorId: string | null;
  status: MessageStatus | null;
  errorCode: string | null;
  detail: MessageEventDetail;
  /**
   * How many attempts the message had when the event was written (the store counts them): where
   * it stands among them, which times cannot tell (an attempt, the retry it caused and the next
   * attempt can share a millisecond).
   */
  afterAttempts: number;
}

/** An event to store: the store counts the attempts it comes after. */
export type NewMessageEvent = Omit<MessageEventRecord, 'afterAttempts'>;

/** An event written by the write it belongs to (`outbox.retry`, `outbox.fail`): its message and time are that write's. */
export type MessageEventFields = Omit<NewMessageEvent, 'messageId' | 'at'>;

/** The provider callback that `status.applyProviderStatus` records as a `callback` event. */
export interface ProviderCallback {
  connectorId: string;
  providerMessageId: string;
  /** The status in the provider's words, when it has its own. */
  providerStatus: string | null;
  /** When the relay received it (ms). */
  receivedAt: number;
  /** When the provider says it happened (ms), if it says. */
  reportedAt: number | null;
}

/** The stored events of messages, read oldest first by `(message_id, at)`. */
export interface MessageEventsRepo {
  /** Stores one event (the writes that own one store theirs themselves, in their transaction). */
  add: (event: NewMessageEvent) => Promise<void>;
  /** The message's stored events, oldest first (events at the same time in the order written). */
  list: (messageId: string) => Promise<MessageEventRecord[]>;
}
