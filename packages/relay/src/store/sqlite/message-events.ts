import type Database from 'better-sqlite3';
import type { MessageEventFields, MessageEventsRepo } from '../types/index.js';
import { attemptsOf, EVENT_COLUMNS, eventValues, toMessageEvent, type MessageEventRow } from '../message-event-rows.js';

/**
 * Writes a message's event: shared by the writes that record one in their own transaction
 * (provider callbacks, the outbox's retries and failures) and by `messageEvents.add`.
 */
export function createEventWriter(
  db: Database.Database,
): (messageId: string, at: number, e: MessageEventFields) => void {
  // Inside the write's transaction: an attempt it wrote before is counted.
  const insert = db.prepare(
    `INSERT INTO message_events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ${attemptsOf('?')})`,
  );
  return (messageId, at, e) => {
    insert.run(...eventValues(messageId, at, e), messageId);
  };
}

/** The stored events of messages, read by `(message_id, at)`, the rowid breaking ties. */
export function createMessageEventsRepo(db: Database.Database): MessageEventsRepo {
  const write = createEventWriter(db);
  const list = db.prepare<[string], MessageEventRow>(
    `SELECT ${EVENT_COLUMNS} FROM message_events WHERE message_id = ? ORDER BY at, id`,
  );
  return {
    add: async (event) => write(event.messageId, event.at, event),
    list: async (messageId) => list.all(messageId).map(toMessageEvent),
  };
}
