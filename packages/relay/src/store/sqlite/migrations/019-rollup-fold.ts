import { bucketCase, latencyBucketsMs, latencyColumns } from '../../analytics-schema.js';
import { addMetrics, dailyKey, deliveryBucket, deliveryDaily, hourOf, metricColumns } from './015-analytics.js';
import { countingTrigger } from './018-message-batches.js';

/**
 * Schema version 19: new messages and attempts are counted in the analytics rollups after they are
 * written, not while (issue 14's A/B of the send route).
 *
 * `rollup_marks` holds, for `messages` (by rowid) and `message_attempts` (by id), the highest row
 * the rollups have counted. A row past its mark is not counted yet: writing it, and changing it,
 * counts nothing. The fold (store/sqlite/rollup-fold.ts) counts the rows past the marks as they are
 * then, and moves the marks up. Every couple of seconds the worker folds the messages a few seconds
 * old (most are delivered by then), and every read of the rollups folds everything first, so a read
 * never misses a message. A change to a message at or below its mark is counted as a move, as
 * before: by the batch that completes deliveries (message-batch.ts), or by the counting trigger of
 * 018 for any other write, which now tests the mark. So a message delivered before the worker folds
 * it is counted once, delivered, and nothing on the send path counts it.
 *
 * Deleting messages or attempts (retention, a deleted project) first folds every uncounted row, so
 * nothing is lost (the rollups outlive the messages). The rowids of the last rows deleted may be
 * given again to new rows: after a delete, a mark above the table's highest row comes down to it.
 */

/** A message `m` past the counted mark, whose project still exists (a project being deleted is not counted). */
const live = 'EXISTS (SELECT 1 FROM projects p WHERE p.id = m.project_id)';

/** The costs' millionths of message `m`, summed. */
const micros = (column: string) => `sum(CAST(round(coalesce(m.${column}, 0) * 1000000) AS INTEGER))`;
const metricSums = `count(*), sum(coalesce(m.segments, 0)), ${micros('cost_eur')}, ${micros('cost_mad')}`;

/**
 * The statements that count the messages `m` that `range` takes (a condition on `m.rowid`) in
 * the rollups, each as it is now: as 015's backfill, one upsert per distinct rollup row.
 */
export function foldMessages(range: string): string[] {
  const where = `WHERE ${range} AND ${live}`;
  return [
    `INSERT INTO message_stats_hourly (project_id, hour, key_id, channel, status, ${metricColumns})
     SELECT m.project_id, ${hourOf('m.created_at')}, m.key_id, m.channel, m.status, ${metricSums}
     FROM messages m ${where} GROUP BY 1, 2, 3, 4, 5 ${addMetrics}`,
    `INSERT INTO message_stats_daily (project_id, day, channel, status, country, operator, connector_id, template,
       error_code, ${metricColumns})
     SELECT ${dailyKey('m')}, ${metricSums} FROM messages m ${where} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ${addMetrics}`,
    `INSERT INTO delivery_times_hourly (project_id, hour, channel, bucket, messages)
     SELECT m.project_id, ${hourOf('m.created_at')}, m.channel, ${deliveryBucket('m')}, count(*)
     FROM messages m ${where} AND m.delivered_at IS NOT NULL GROUP BY 1, 2, 3, 4
     ON CONFLICT DO UPDATE SET messages = messages + excluded.messages`,
    `INSERT INTO delivery_times_daily (project_id, day, channel, country, operator, connector_id, template, bucket, messages)
     SELECT ${deliveryDaily('m')}, count(*) FROM messages m ${where} AND m.delivered_at IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
     ON CONFLICT DO UPDATE SET messages = messages + excluded.messages`,
  ];
}

/**
 * The statement that counts the attempts `a` that `range` takes (a condition on `a.id`) in the
 * connectors' rollup. A retry is an attempt after another of the same message; an attempt without
 * a measured latency is in no latency bucket (018).
 */
export function foldAttempts(range: string): string {
  const buckets = latencyColumns.map(
    (_, i) => `sum(coalesce(a.latency_ms IS NOT NULL AND ${bucketCase('a.latency_ms', latencyBucketsMs)} = ${i}, 0))`,
  );
  return `INSERT INTO connector_stats_hourly (project_id, hour, connector_id, connector_type, channel, attempts, successes,
      retries, timed, ${latencyColumns.join(', ')})
    SELECT m.project_id, ${hourOf('a.at')}, a.connector_id, a.connector_type, a.channel, count(*),
      sum(a.status NOT IN ('failed', 'undelivered')),
      sum(EXISTS (SELECT 1 FROM message_attempts p WHERE p.message_id = a.message_id AND p.id < a.id)),
      sum(a.latency_ms IS NOT NULL), ${buckets.join(', ')}
    FROM message_attempts a JOIN messages m ON m.id = a.message_id WHERE ${range} AND ${live}
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT DO UPDATE SET attempts = attempts + excluded.attempts, successes = successes + excluded.successes,
      retries = retries + excluded.retries, timed = timed + excluded.timed,
      ${latencyColumns.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;
}

const markOf = (source: string) => `(SELECT mark FROM rollup_marks WHERE source = '${source}')`;
/** The message `m` (as the counting trigger reads it) is counted already (020 makes the trigger again with it). */
export const counted = `m.rowid <= ${markOf('messages')}`;
const lastMessage = 'coalesce((SELECT max(rowid) FROM messages), 0)';
const lastAttempt = 'coalesce((SELECT max(id) FROM message_attempts), 0)';

/** Rows past the marks. */
const unfolded = `EXISTS (SELECT 1 FROM messages WHERE rowid > ${markOf('messages')})
    OR EXISTS (SELECT 1 FROM message_attempts WHERE id > ${markOf('message_attempts')})`;
/** Counts every row past the marks, and moves the marks up to the last rows. */
const foldAll =
  [
    ...foldMessages(`m.rowid > ${markOf('messages')}`),
    foldAttempts(`a.id > ${markOf('message_attempts')}`),
    `UPDATE rollup_marks SET mark = ${lastMessage} WHERE source = 'messages'`,
    `UPDATE rollup_marks SET mark = ${lastAttempt} WHERE source = 'message_attempts'`,
  ].join(';\n    ') + ';';

export const up = `
  CREATE TABLE rollup_marks (source TEXT PRIMARY KEY, mark INTEGER NOT NULL) STRICT;
  -- Everything written so far was counted by 015's and 018's triggers and batches.
  INSERT INTO rollup_marks (source, mark) VALUES ('messages', ${lastMessage}), ('message_attempts', ${lastAttempt});

  DROP TRIGGER message_writes_counted;
  ${countingTrigger(counted)}

  DROP TRIGGER message_attempts_stats;
  DROP TRIGGER attempt_writes_counted;
  DROP TABLE attempt_writes;

  ${['messages', 'message_attempts']
    .map(
      (table) => `CREATE TRIGGER ${table}_deleted_folded BEFORE DELETE ON ${table}
  WHEN ${unfolded}
  BEGIN
    ${foldAll}
  END;`,
    )
    .join('\n  ')}
  CREATE TRIGGER messages_deleted_mark AFTER DELETE ON messages WHEN old.rowid > ${lastMessage}
  BEGIN
    UPDATE rollup_marks SET mark = ${lastMessage} WHERE source = 'messages' AND mark > ${lastMessage};
  END;
  CREATE TRIGGER message_attempts_deleted_mark AFTER DELETE ON message_attempts WHEN old.id > ${lastAttempt}
  BEGIN
    UPDATE rollup_marks SET mark = ${lastAttempt} WHERE source = 'message_attempts' AND mark > ${lastAttempt};
  END;
`;
