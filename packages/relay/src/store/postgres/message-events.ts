import type { MessageEventFields, MessageEventsRepo } from '../types/index.js';
import { attemptsOf, EVENT_COLUMNS, eventValues, toMessageEvent, type MessageEventRow } from '../message-event-rows.js';
import { hasNul, withoutNul } from './nul-text.js';
import type { PgDb } from './queryable.js';

/** An event's values as PostgreSQL stores them: what a provider said with U+FFFD for U+0000. */
function storedValues(messageId: string, at: number, e: MessageEventFields): unknown[] {
  // The detail is JSON: `JSON.stringify` writes U+0000 as `\u0000`.
  return eventValues(messageId, at, { ...e, errorCode: withoutNul(e.errorCode) });
}

/**
 * The `event AS (INSERT … SELECT … FROM <from>)` step of a statement whose step `from` returns the
 * `message_id` the write went on with (the outbox row taken under its lease): the event is
 * written only when the write was.
 */
export function eventStep(
  from: string,
  at: number,
  e: MessageEventFields,
  param: (value: unknown) => string,
  options: { withAttempt: boolean },
): string {
  const [, ...values] = storedValues('', at, e);
  // The statement's own attempt (its `attempt` step) is not among the rows the count sees.
  const attempts = `${attemptsOf(`${from}.message_id`)}${options.withAttempt ? ' + 1' : ''}`;
  return `event AS (
    INSERT INTO message_events (${EVENT_COLUMNS})
    SELECT message_id, ${values.map(param).join(', ')}, ${attempts} FROM ${from})`;
}

/** The stored events of messages, read by `(message_id, at)`, the id breaking ties. */
export function createMessageEventsRepo(db: PgDb): MessageEventsRepo {
  return {
    async add(event) {
      await db.query(
        `INSERT INTO message_events (${EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ${attemptsOf('$1')})`,
        storedValues(event.messageId, event.at, event),
      );
    },
    async list(messageId) {
      if (hasNul(messageId)) return [];
      const { rows } = await db.query<MessageEventRow>(
        `SELECT ${EVENT_COLUMNS} FROM message_events WHERE message_id = $1 ORDER BY at, id`,
        [messageId],
      );
      return rows.map(toMessageEvent);
    },
  };
}
