import type { Channel, MessageStatus } from '@messagejs/shared-types';
import type {
  MessageEventDetail,
  MessageEventFields,
  MessageEventRecord,
  ProviderCallback,
  StoredMessageEventType,
} from './types/index.js';

/**
 * A row of `message_events`, the same on both backends, and the mappers both share: an event is
 * written and read one way only.
 */
export interface MessageEventRow {
  message_id: string;
  at: number;
  type: StoredMessageEventType;
  channel: Channel | null;
  connector_id: string | null;
  status: MessageStatus | null;
  error_code: string | null;
  detail: string;
  after_attempts: number;
}

/**
 * The columns an event is inserted with, in the order `eventValues` gives them; `after_attempts`
 * comes last, counted by the statement (`attemptsOf`).
 */
export const EVENT_COLUMNS = 'message_id, at, type, channel, connector_id, status, error_code, detail, after_attempts';

/** How many attempts the message `messageId` (an SQL expression) has: an event's `after_attempts`. */
export const attemptsOf = (messageId: string) =>
  `(SELECT count(*) FROM message_attempts WHERE message_id = ${messageId})`;

/**
 * The longest provider text an event keeps (error messages, a provider's status word): the
 * detail stays small, and a provider's page of HTML is not a timeline step.
 */
export const MAX_EVENT_TEXT = 500;

const cut = (text: string) => (text.length > MAX_EVENT_TEXT ? `${text.slice(0, MAX_EVENT_TEXT)}…` : text);

/** The detail as stored: JSON of its set fields, provider text cut to `MAX_EVENT_TEXT`. */
export function detailText(detail: MessageEventDetail): string {
  const { errorMessage, providerStatus } = detail;
  return JSON.stringify({
    ...detail,
    ...(errorMessage !== undefined && { errorMessage: cut(errorMessage) }),
    ...(providerStatus !== undefined && { providerStatus: cut(providerStatus) }),
  });
}

/** An event's values for `INSERT INTO message_events (EVENT_COLUMNS)`, but `after_attempts`. */
export function eventValues(messageId: string, at: number, e: MessageEventFields): unknown[] {
  return [messageId, at, e.type, e.channel, e.connectorId, e.status, e.errorCode, detailText(e.detail)];
}

/** A stored row as the store answers it. */
export function toMessageEvent(row: MessageEventRow): MessageEventRecord {
  return {
    messageId: row.message_id,
    at: row.at,
    type: row.type,
    channel: row.channel,
    connectorId: row.connector_id,
    status: row.status,
    errorCode: row.error_code,
    detail: JSON.parse(row.detail) as MessageEventDetail,
    afterAttempts: row.after_attempts,
  };
}

/**
 * The `callback` event of a provider's status report on `channel`: what it reported, and whether
 * it moved the message (`applied`). The backend fills in `applied`, known only inside its write.
 */
export function callbackEvent(
  input: { status: MessageStatus; errorCode: string | null },
  callback: ProviderCallback,
  channel: Channel | null,
  applied: boolean,
): MessageEventFields {
  return {
    type: 'callback',
    channel,
    connectorId: callback.connectorId,
    status: input.status,
    errorCode: input.errorCode,
    detail: {
      ...(callback.providerStatus !== null && { providerStatus: callback.providerStatus }),
      providerMessageId: callback.providerMessageId,
      ...(callback.reportedAt !== null && { reportedAt: callback.reportedAt }),
      applied,
    },
  };
}
