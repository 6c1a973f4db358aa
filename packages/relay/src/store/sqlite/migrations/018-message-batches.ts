import { messageSnapshotFields, snapshot } from '../../event-schema.js';
import { attemptStats, countedChange, daily, deliveryInserts, hourly } from './015-analytics.js';
import { event, listening, statuses } from './016-webhooks.js';

/**
 * Schema version 18: the send path's writes made cheaper (issue 14's A/B of the send route).
 *
 * **Batches write what the triggers would** (store/sqlite/message-batch.ts): a group-committed
 * batch of sends or of finished deliveries adds its messages' rollup moves up in JavaScript and
 * writes one upsert per distinct rollup row (the row triggers of 015 wrote up to nine per
 * message), and records their events (016) itself, after one look per project at whether anyone
 * listens. While such a batch runs, its transaction holds the one row of
 * `message_triggers_deferred`, and the triggers on `messages` and `message_attempts` stop at their
 * first test. They write as before for every other write (status callbacks, retries,
 * verifications, the CLI, a row written by hand). The row is deleted before the batch commits, so
 * no other connection ever sees it.
 *
 * **Small triggers on the hot tables.** SQLite runs a row trigger as a subprogram whose registers
 * it allocates for each row, before the `WHEN` is tested: a trigger with a large body costs every
 * insert and update even when it writes nothing, and 015 and 016 put six on `messages`. Now one
 * trigger per write on `messages` (and one on `message_attempts`) only hands what changed, the
 * message's columns before an update, to a row of `message_writes` (`attempt_writes`); the
 * trigger on that table does the counting and the event, reading the message as it is now, and
 * deletes the row. Each statement keeps its old trigger's condition, and their order: the
 * fallback event before the status event, as 016's triggers fired.
 *
 * An attempt without a measured latency is now in no bucket of the latency histogram (015 put it
 * in the last one, which raised the connector's p95); PostgreSQL's migration 8 does the same.
 *
 * (`countingTrigger` is exported for 019, which recreates the trigger with the fold's mark: it
 * must go on building the same text for this migration.)
 */
const triggersOn = 'NOT EXISTS (SELECT 1 FROM message_triggers_deferred)';

/**
 * `statement` (an `INSERT … VALUES (…)`, with or without `ON CONFLICT`) made to read the message
 * `m` that the write row `new` names, and to write only when `condition` holds.
 */
function fromMessage(condition: string, statement: string): string {
  const text = statement.trim();
  const from = `FROM messages m WHERE m.id = new.id AND ${condition}`;
  const upsert = /VALUES \(([\s\S]*)\)\s*(ON CONFLICT[\s\S]*)$/.exec(text);
  if (upsert) return `${text.slice(0, upsert.index)}SELECT ${upsert[1]} ${from} ${upsert[2]}`;
  const insert = /VALUES \(([\s\S]*)\);$/.exec(text);
  if (!insert) throw new Error(`018: cannot rewrite ${text.slice(0, 60)}`);
  return `${text.slice(0, insert.index)}SELECT ${insert[1]} ${from};`;
}

/** An update trigger's condition read in the write row: `old.` is the row `new`, `new.` the message `m`. */
const asWrite = (condition: string) => condition.replaceAll('new.', 'm.').replaceAll('old.', 'new.');

/** The columns of a message before an update that the counting reads (015's rollup keys and measures). */
const before = [
  'project_id',
  'created_at',
  'key_id',
  'channel',
  'status',
  'country',
  'operator',
  'connector_id',
  'template',
  'error_code',
  'segments',
  'cost_eur',
  'cost_mad',
  'delivered_at',
];

const updated = 'new.inserted = 0';
const moved = `${updated} AND (${asWrite(countedChange)})`;
const delivered = 'old.delivered_at IS NULL AND new.delivered_at IS NOT NULL';
const statusChange = `new.status IS NOT old.status AND new.status IN (${statuses})`;
const channelChange = 'new.channel IS NOT old.channel';
const recorded = listening('m', true);
type Pairs = ReadonlyArray<readonly [string, string]>;
/** 015's attempt statement read through the write row: the attempt is `x`. */
const attemptStatement = attemptStats(true)
  .replaceAll('new.', 'x.')
  .replace(
    'FROM messages m WHERE m.id = x.message_id',
    'FROM message_attempts x JOIN messages m ON m.id = x.message_id WHERE x.id = new.id',
  );
if (!attemptStatement.includes('WHERE x.id = new.id')) throw new Error('018: cannot rewrite the attempt statement');

/**
 * The trigger that counts a write handed to `message_writes` and records its event. With
 * `counted` (019: the message has been counted by the fold), an update's rollup statements also
 * need it, and an insert counts nothing: the fold counts new messages. `more` (020: the message's
 * `reference` and `metadata`) adds fields to the events' snapshots, after 016's.
 */
export function countingTrigger(counted?: string, more: Pairs = []): string {
  const messageData = (extra: Pairs = []) => snapshot('sqlite', 'm', messageSnapshotFields, [...more, ...extra]);
  const also = (condition: string) => (counted ? `${condition} AND ${counted}` : condition);
  const inserts = counted
    ? []
    : [fromMessage('new.inserted = 1', hourly('m', '1')), fromMessage('new.inserted = 1', daily('m', '1'))];
  const deliveries = deliveryInserts
    .replaceAll('new.', 'm.')
    .split(';')
    .filter((s) => s.trim())
    .map((s) => fromMessage(also(`${updated} AND ${asWrite(delivered)}`), `${s};`));
  return `CREATE TRIGGER message_writes_counted AFTER INSERT ON message_writes
  BEGIN
    ${[
      ...inserts,
      fromMessage(
        `new.inserted = 1 AND ${recorded}`,
        event(`'message.queued'`, 'm', 'm.created_at', 'm.id', messageData()),
      ),
      fromMessage(also(moved), hourly('new', '-1')),
      fromMessage(also(moved), hourly('m', '1')),
      fromMessage(also(moved), daily('new', '-1')),
      fromMessage(also(moved), daily('m', '1')),
      deliveries.join('\n    '),
      fromMessage(
        `${updated} AND ${asWrite(channelChange)} AND ${recorded}`,
        event(`'message.fallback'`, 'm', 'm.updated_at', 'm.id', messageData([['fromChannel', 'new.channel']])),
      ),
      fromMessage(
        `${updated} AND ${asWrite(statusChange)} AND ${recorded}`,
        event(`'message.' || m.status`, 'm', 'm.updated_at', 'm.id', messageData()),
      ),
    ].join('\n    ')}
    DELETE FROM message_writes WHERE rowid = new.rowid;
  END;`;
}

export const up = `
  CREATE TABLE message_triggers_deferred (id INTEGER PRIMARY KEY CHECK (id = 1));
  -- A write to a message handed to the trigger that counts it (deleted by that trigger): \`inserted\`,
  -- or the message's columns before an update, kept as they were (STRICT, ANY: no conversion).
  CREATE TABLE message_writes (
    id TEXT NOT NULL,
    inserted INTEGER NOT NULL,
    ${before.map((c) => `${c} ANY`).join(',\n    ')}
  ) STRICT;
  CREATE TABLE attempt_writes (id INTEGER NOT NULL) STRICT;

  DROP TRIGGER messages_stats_insert;
  DROP TRIGGER messages_stats_update;
  DROP TRIGGER messages_delivery_time;
  DROP TRIGGER message_attempts_stats;
  DROP TRIGGER messages_event_insert;
  DROP TRIGGER messages_event_status;
  DROP TRIGGER messages_event_fallback;

  CREATE TRIGGER messages_written AFTER INSERT ON messages WHEN ${triggersOn}
  BEGIN
    INSERT INTO message_writes (id, inserted) VALUES (new.id, 1);
  END;
  CREATE TRIGGER messages_changed
  AFTER UPDATE OF status, channel, connector_id, error_code, segments, cost_eur, cost_mad, delivered_at ON messages
  WHEN ${triggersOn} AND (${countedChange} OR ${delivered} OR ${statusChange} OR ${channelChange})
  BEGIN
    INSERT INTO message_writes (id, inserted, ${before.join(', ')})
    VALUES (new.id, 0, ${before.map((c) => `old.${c}`).join(', ')});
  END;
  ${countingTrigger()}

  CREATE TRIGGER message_attempts_stats AFTER INSERT ON message_attempts WHEN ${triggersOn} BEGIN
    INSERT INTO attempt_writes (id) VALUES (new.id);
  END;
  CREATE TRIGGER attempt_writes_counted AFTER INSERT ON attempt_writes BEGIN
    ${attemptStatement}
    DELETE FROM attempt_writes WHERE rowid = new.rowid;
  END;
`;
