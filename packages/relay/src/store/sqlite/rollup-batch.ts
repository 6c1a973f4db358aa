import type Database from 'better-sqlite3';
import {
  bucketCase,
  DAY_MS,
  deliveryBucketsMs,
  HOUR_MS,
  latencyBucketsMs,
  latencyColumns,
} from '../analytics-schema.js';

/**
 * The analytics rollups of a group-committed batch (sends, completed deliveries), written as one
 * upsert per distinct key instead of the row triggers' two to seven upserts per message: those
 * cost the send path 14 % (BENCHMARKS.md, session 10). While a batch runs, a row in
 * `rollup_deferred` makes the row triggers of migration 015 skip (their `WHEN`); the batch then
 * counts what it wrote from the rows themselves, in the same transaction, with the triggers'
 * arithmetic. Every other write (a provider callback, a retry, a verification, a unit of work, a
 * batch retried write by write) still goes through the triggers.
 */

const hourOf = (c: string) => `${c} - ${c} % ${HOUR_MS}`;
const dayOf = (c: string) => `${c} - ${c} % ${DAY_MS}`;
const metricColumns = 'messages, segments, cost_eur_micros, cost_mad_micros';
const metricSums = (r: string, sign: string) => `${sign} * count(*), ${sign} * sum(coalesce(${r}.segments, 0)),
  ${sign} * sum(CAST(round(coalesce(${r}.cost_eur, 0) * 1000000) AS INTEGER)),
  ${sign} * sum(CAST(round(coalesce(${r}.cost_mad, 0) * 1000000) AS INTEGER))`;
const addMetrics = `ON CONFLICT DO UPDATE SET messages = messages + excluded.messages, segments = segments + excluded.segments,
  cost_eur_micros = cost_eur_micros + excluded.cost_eur_micros, cost_mad_micros = cost_mad_micros + excluded.cost_mad_micros`;

/** The hourly and daily message rollups of the rows `r` of `from … where`, each counted `sign` times. */
function messageRollups(r: string, from: string, where: string, sign: string): string[] {
  return [
    `INSERT INTO message_stats_hourly (project_id, hour, key_id, channel, status, ${metricColumns})
     SELECT ${r}.project_id, ${hourOf(`${r}.created_at`)}, ${r}.key_id, ${r}.channel, ${r}.status, ${metricSums(r, sign)}
     FROM ${from} WHERE ${where} GROUP BY 1, 2, 3, 4, 5 ${addMetrics}`,
    `INSERT INTO message_stats_daily (project_id, day, channel, status, country, operator, connector_id, template, error_code,
       ${metricColumns})
     SELECT ${r}.project_id, ${dayOf(`${r}.created_at`)}, ${r}.channel, ${r}.status, coalesce(${r}.country, ''),
       coalesce(${r}.operator, ''), coalesce(${r}.connector_id, ''), coalesce(${r}.template, ''),
       CASE WHEN ${r}.status IN ('failed', 'undelivered') THEN coalesce(${r}.error_code, '') ELSE '' END, ${metricSums(r, sign)}
     FROM ${from} WHERE ${where} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ${addMetrics}`,
  ];
}

const inBatch = (column: string) => `${column} IN (SELECT value FROM json_each(?))`;
/** A message whose rollup dimensions or figures moved between `b` (before) and `n` (now): the trigger's `WHEN`. */
const moved = `(b.status IS NOT n.status OR b.channel IS NOT n.channel OR b.connector_id IS NOT n.connector_id
  OR b.error_code IS NOT n.error_code OR b.segments IS NOT n.segments OR b.cost_eur IS NOT n.cost_eur
  OR b.cost_mad IS NOT n.cost_mad)`;
const beforeAndNow = 'temp.rollup_before b JOIN main.messages n ON n.id = b.id';
const deliveryBucket = bucketCase('max(n.delivered_at - n.created_at, 0)', deliveryBucketsMs);
const latencyBucket = bucketCase('a.latency_ms', latencyBucketsMs);

function prepare(db: Database.Database) {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS rollup_before AS SELECT * FROM main.messages WHERE 0');
  const all = (sql: string[]) => sql.map((text) => db.prepare(text));
  return {
    defer: db.prepare('INSERT OR IGNORE INTO rollup_deferred (one) VALUES (1)'),
    resume: db.prepare('DELETE FROM rollup_deferred'),
    inserted: all(messageRollups('m', 'main.messages m', inBatch('m.id'), '1')),
    clearBefore: db.prepare('DELETE FROM temp.rollup_before'),
    snapshot: db.prepare(`INSERT INTO temp.rollup_before SELECT * FROM main.messages WHERE ${inBatch('id')}`),
    lastAttempt: db.prepare<[], { id: number }>('SELECT coalesce(max(id), 0) AS id FROM message_attempts'),
    moved: all([...messageRollups('b', beforeAndNow, moved, '-1'), ...messageRollups('n', beforeAndNow, moved, '1')]),
    delivered: all([
      `INSERT INTO delivery_times_hourly (project_id, hour, channel, bucket, messages)
       SELECT n.project_id, ${hourOf('n.created_at')}, n.channel, ${deliveryBucket}, count(*) FROM ${beforeAndNow}
       WHERE b.delivered_at IS NULL AND n.delivered_at IS NOT NULL GROUP BY 1, 2, 3, 4
       ON CONFLICT DO UPDATE SET messages = messages + excluded.messages`,
      `INSERT INTO delivery_times_daily (project_id, day, channel, country, operator, connector_id, template, bucket, messages)
       SELECT n.project_id, ${dayOf('n.created_at')}, n.channel, coalesce(n.country, ''), coalesce(n.operator, ''),
         coalesce(n.connector_id, ''), coalesce(n.template, ''), ${deliveryBucket}, count(*) FROM ${beforeAndNow}
       WHERE b.delivered_at IS NULL AND n.delivered_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
       ON CONFLICT DO UPDATE SET messages = messages + excluded.messages`,
    ]),
    attempts: db.prepare(
      `INSERT INTO connector_stats_hourly (project_id, hour, connector_id, connector_type, channel, attempts, successes, retries,
         timed, ${latencyColumns.join(', ')})
       SELECT m.project_id, ${hourOf('a.at')}, a.connector_id, a.connector_type, a.channel, count(*),
         sum(a.status NOT IN ('failed', 'undelivered')),
         sum(EXISTS (SELECT 1 FROM message_attempts p WHERE p.message_id = a.message_id AND p.id < a.id)),
         sum(a.latency_ms IS NOT NULL), ${latencyColumns.map((_, i) => `sum(coalesce(${latencyBucket} = ${i}, 0))`).join(', ')}
       FROM message_attempts a JOIN messages m ON m.id = a.message_id WHERE a.id > ? GROUP BY 1, 2, 3, 4, 5
       ON CONFLICT DO UPDATE SET attempts = attempts + excluded.attempts, successes = successes + excluded.successes,
         retries = retries + excluded.retries, timed = timed + excluded.timed,
         ${latencyColumns.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
    ),
  };
}

export interface RollupBatches {
  /** Runs `write` (inside the caller's transaction) with the triggers deferred, then counts the messages it inserted. */
  inserting<T>(write: () => { results: T; inserted: string[] }): T;
  /** Runs `write` on the messages `ids` (deliveries completing), then counts how they and their new attempts moved. */
  updating<T>(ids: string[], write: () => T): T;
}

export function createRollupBatches(db: Database.Database): RollupBatches {
  const s = prepare(db);
  return {
    inserting(write) {
      s.defer.run();
      const { results, inserted } = write();
      if (inserted.length > 0) {
        const ids = JSON.stringify(inserted);
        for (const statement of s.inserted) statement.run(ids);
      }
      s.resume.run();
      return results;
    },
    updating(ids, write) {
      s.defer.run();
      s.clearBefore.run();
      s.snapshot.run(JSON.stringify(ids));
      const mark = s.lastAttempt.get()!.id;
      const results = write();
      for (const statement of [...s.moved, ...s.delivered]) statement.run();
      s.attempts.run(mark);
      s.clearBefore.run();
      s.resume.run();
      return results;
    },
  };
}
