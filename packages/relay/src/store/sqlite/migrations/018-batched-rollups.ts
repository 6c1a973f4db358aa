import { attemptStats, countedChange, daily, deliveryInserts, hourly } from './015-analytics.js';

/**
 * Schema version 18. The send path's batches count their own rollups (store/sqlite/rollup-batch.ts):
 * a group-committed batch of sends or finished deliveries adds up its messages' moves in JavaScript
 * and writes one upsert per distinct rollup row, where the row triggers of 015 wrote up to nine per
 * message. While such a batch runs, its transaction holds the one row of `rollups_deferred`, and
 * the triggers of 015 on `messages` and `message_attempts` skip; they count every other write as
 * before (status callbacks, retries, verifications, the CLI). The row is deleted before the batch
 * commits, so no other connection ever sees it.
 *
 * An attempt without a measured latency is now in no bucket of the latency histogram (015 put it
 * in the last one, which raised the connector's p95); PostgreSQL's migration 8 does the same.
 */
const counting = 'NOT EXISTS (SELECT 1 FROM rollups_deferred)';

export const up = `
  CREATE TABLE rollups_deferred (id INTEGER PRIMARY KEY CHECK (id = 1));

  DROP TRIGGER messages_stats_insert;
  DROP TRIGGER messages_stats_update;
  DROP TRIGGER messages_delivery_time;
  DROP TRIGGER message_attempts_stats;

  CREATE TRIGGER messages_stats_insert AFTER INSERT ON messages WHEN ${counting} BEGIN
    ${hourly('new', '1')}
    ${daily('new', '1')}
  END;
  CREATE TRIGGER messages_stats_update AFTER UPDATE OF status, channel, connector_id, error_code, segments, cost_eur, cost_mad ON messages
  WHEN ${counting} AND (${countedChange})
  BEGIN
    ${hourly('old', '-1')}
    ${hourly('new', '1')}
    ${daily('old', '-1')}
    ${daily('new', '1')}
  END;
  CREATE TRIGGER messages_delivery_time AFTER UPDATE OF delivered_at ON messages
  WHEN ${counting} AND old.delivered_at IS NULL AND new.delivered_at IS NOT NULL
  BEGIN
    ${deliveryInserts}
  END;
  CREATE TRIGGER message_attempts_stats AFTER INSERT ON message_attempts WHEN ${counting} BEGIN
    ${attemptStats(true)}
  END;
`;
