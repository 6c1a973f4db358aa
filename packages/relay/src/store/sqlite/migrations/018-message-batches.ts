import { attemptStats, countedChange, daily, deliveryInserts, hourly } from './015-analytics.js';
import { event, listening, messageData, statuses } from './016-webhooks.js';

/**
 * Schema version 18: the send path's writes made cheaper (issue 14's A/B of the send route).
 *
 * **Batches write what the triggers would** (store/sqlite/message-batch.ts): a group-committed
 * batch of sends or of finished deliveries adds its messages' rollup moves up in JavaScript and
 * writes one upsert per distinct rollup row (the row triggers of 015 wrote up to nine per
 * message), and records their events (016) itself, after one look per project at whether anyone
 * listens. While such a batch runs, its transaction holds the one row of
 * `message_triggers_deferred`, and the triggers on `messages` and `message_attempts` stop at their
 * first test. They do everything as before for every other write (status callbacks, retries,
 * verifications, the CLI, a row written by hand). The row is deleted before the batch commits, so
 * no other connection ever sees it.
 *
 * **One trigger per write on `messages`** instead of two on an insert and four on an update: SQLite
 * runs each trigger an `UPDATE OF` names for every row, even when its `WHEN` is false. Each
 * statement of the merged bodies keeps its own trigger's condition (as a `WHERE`), and their
 * order: the fallback event before the status event, as 016's triggers fired.
 *
 * An attempt without a measured latency is now in no bucket of the latency histogram (015 put it
 * in the last one, which raised the connector's p95); PostgreSQL's migration 8 does the same.
 */
const triggersOn = 'NOT EXISTS (SELECT 1 FROM message_triggers_deferred)';

/** `statement` (an `INSERT … VALUES (…)`, with or without `ON CONFLICT`) made to write only when `condition` holds. */
function onlyIf(condition: string, statement: string): string {
  const text = statement.trim();
  const upsert = /VALUES \(([\s\S]*)\)\s*(ON CONFLICT[\s\S]*)$/.exec(text);
  if (upsert) return `${text.slice(0, upsert.index)}SELECT ${upsert[1]} WHERE ${condition} ${upsert[2]}`;
  const insert = /VALUES \(([\s\S]*)\);$/.exec(text);
  if (!insert) throw new Error(`018: cannot guard ${text.slice(0, 60)}`);
  return `${text.slice(0, insert.index)}SELECT ${insert[1]} WHERE ${condition};`;
}

const delivered = 'old.delivered_at IS NULL AND new.delivered_at IS NOT NULL';
const statusEvent = `new.status IS NOT old.status AND new.status IN (${statuses})`;
const fallbackEvent = 'new.channel IS NOT old.channel';
const recorded = listening('new', true);
const deliveryStatements = deliveryInserts
  .split(';')
  .filter((s) => s.trim())
  .map((s) => onlyIf(delivered, `${s};`));

export const up = `
  CREATE TABLE message_triggers_deferred (id INTEGER PRIMARY KEY CHECK (id = 1));

  DROP TRIGGER messages_stats_insert;
  DROP TRIGGER messages_stats_update;
  DROP TRIGGER messages_delivery_time;
  DROP TRIGGER message_attempts_stats;
  DROP TRIGGER messages_event_insert;
  DROP TRIGGER messages_event_status;
  DROP TRIGGER messages_event_fallback;

  CREATE TRIGGER messages_written AFTER INSERT ON messages WHEN ${triggersOn}
  BEGIN
    ${hourly('new', '1')}
    ${daily('new', '1')}
    ${onlyIf(recorded, event(`'message.queued'`, 'new', 'new.created_at', 'new.id', messageData()))}
  END;
  CREATE TRIGGER messages_changed
  AFTER UPDATE OF status, channel, connector_id, error_code, segments, cost_eur, cost_mad, delivered_at ON messages
  WHEN ${triggersOn} AND (${countedChange} OR ${delivered} OR ((${statusEvent} OR ${fallbackEvent}) AND ${recorded}))
  BEGIN
    ${onlyIf(countedChange, hourly('old', '-1'))}
    ${onlyIf(countedChange, hourly('new', '1'))}
    ${onlyIf(countedChange, daily('old', '-1'))}
    ${onlyIf(countedChange, daily('new', '1'))}
    ${deliveryStatements.join('\n    ')}
    ${onlyIf(`${fallbackEvent} AND ${recorded}`, event(`'message.fallback'`, 'new', 'new.updated_at', 'new.id', messageData([['fromChannel', 'old.channel']])))}
    ${onlyIf(`${statusEvent} AND ${recorded}`, event(`'message.' || new.status`, 'new', 'new.updated_at', 'new.id', messageData()))}
  END;
  CREATE TRIGGER message_attempts_stats AFTER INSERT ON message_attempts WHEN ${triggersOn} BEGIN
    ${attemptStats(true)}
  END;
`;
