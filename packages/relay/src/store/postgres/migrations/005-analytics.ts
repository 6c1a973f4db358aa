import {
  bucketCase,
  DAY_MS,
  deliveryBucketsMs,
  HOUR_MS,
  latencyBucketsMs,
  latencyColumns,
} from '../../analytics-schema.js';

/**
 * Version 5. The analytics rollups (issue 14; see store/analytics-schema.ts), the same tables as
 * SQLite's migration 15 plus a `shard` in their keys: statement triggers over transition tables
 * add one row per distinct key per statement, and each connection writes its own shard
 * (`pg_backend_pid() % 16`), so two relays' send batches never wait on each other's counter rows.
 * Rows are upserted in key order, so two statements that do meet lock them in the same order.
 * Readers sum the shards. Then a backfill from what is already stored.
 */

export const SHARD = 'pg_backend_pid() % 16';
const metricColumns = 'messages, segments, cost_eur_micros, cost_mad_micros';
/** Rollup sums over the rows of `d`, each counted with its `sign`. */
const metricSums = `sum(d.sign), sum(d.sign * coalesce(d.segments, 0)),
  sum(d.sign * round(coalesce(d.cost_eur, 0) * 1000000)::bigint), sum(d.sign * round(coalesce(d.cost_mad, 0) * 1000000)::bigint)`;
const addMetrics = (table: string) => `DO UPDATE SET messages = ${table}.messages + excluded.messages,
  segments = ${table}.segments + excluded.segments, cost_eur_micros = ${table}.cost_eur_micros + excluded.cost_eur_micros,
  cost_mad_micros = ${table}.cost_mad_micros + excluded.cost_mad_micros`;
const hourOf = (column: string) => `${column} - ${column} % ${HOUR_MS}`;
const dayOf = (column: string) => `${column} - ${column} % ${DAY_MS}`;
const positions = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(', ');

const hourlyKey = `project_id, hour, key_id, channel, status`;
const dailyKey = `project_id, day, channel, status, country, operator, connector_id, template, error_code`;
const dailyValues = `d.project_id, ${dayOf('d.created_at')}, d.channel, d.status, coalesce(d.country, ''), coalesce(d.operator, ''),
  coalesce(d.connector_id, ''), coalesce(d.template, ''),
  CASE WHEN d.status IN ('failed', 'undelivered') THEN coalesce(d.error_code, '') ELSE '' END`;

/** Adds the message rows of `source` (a relation with a `sign` column) to both message rollups. */
const addMessages = (source: string, shard: string) => `
  INSERT INTO message_stats_hourly AS s (${hourlyKey}, shard, ${metricColumns})
  SELECT d.project_id, ${hourOf('d.created_at')}, d.key_id, d.channel, d.status, ${shard}, ${metricSums}
  FROM ${source} d GROUP BY ${positions(5)} ORDER BY ${positions(5)}
  ON CONFLICT (${hourlyKey}, shard) ${addMetrics('s')};
  INSERT INTO message_stats_daily AS s (${dailyKey}, shard, ${metricColumns})
  SELECT ${dailyValues}, ${shard}, ${metricSums}
  FROM ${source} d GROUP BY ${positions(9)} ORDER BY ${positions(9)}
  ON CONFLICT (${dailyKey}, shard) ${addMetrics('s')};`;

const deliveryBucket = bucketCase('greatest(d.delivered_at - d.created_at, 0)', deliveryBucketsMs);
/** Adds the delivered messages of `source` to the time-to-delivered rollups. */
const addDeliveries = (source: string, shard: string) => `
  INSERT INTO delivery_times_hourly AS s (project_id, hour, channel, bucket, shard, messages)
  SELECT d.project_id, ${hourOf('d.created_at')}, d.channel, ${deliveryBucket}, ${shard}, count(*)
  FROM ${source} d GROUP BY ${positions(4)} ORDER BY ${positions(4)}
  ON CONFLICT (project_id, hour, channel, bucket, shard) DO UPDATE SET messages = s.messages + excluded.messages;
  INSERT INTO delivery_times_daily AS s (project_id, day, channel, country, operator, connector_id, template, bucket, shard, messages)
  SELECT d.project_id, ${dayOf('d.created_at')}, d.channel, coalesce(d.country, ''), coalesce(d.operator, ''),
    coalesce(d.connector_id, ''), coalesce(d.template, ''), ${deliveryBucket}, ${shard}, count(*)
  FROM ${source} d GROUP BY ${positions(8)} ORDER BY ${positions(8)}
  ON CONFLICT (project_id, day, channel, country, operator, connector_id, template, bucket, shard)
  DO UPDATE SET messages = s.messages + excluded.messages;`;

/**
 * Adds the attempts of `source` (joined to their messages) to the connector rollup. As written
 * here, an attempt without a latency fell in the last bucket of the histogram; migration 8 puts it
 * in none (`timedOnly`).
 */
export const addAttempts = (source: string, shard: string, timedOnly = false) => `
  INSERT INTO connector_stats_hourly AS s (project_id, hour, connector_id, connector_type, channel, shard, attempts, successes,
    retries, timed, ${latencyColumns.join(', ')})
  SELECT m.project_id, ${hourOf('a.at')}, a.connector_id, a.connector_type, a.channel, ${shard}, count(*),
    count(*) FILTER (WHERE a.status NOT IN ('failed', 'undelivered')),
    count(*) FILTER (WHERE EXISTS (SELECT 1 FROM message_attempts p WHERE p.message_id = a.message_id AND p.id < a.id)),
    count(a.latency_ms),
    ${latencyColumns.map((_, i) => `count(*) FILTER (WHERE ${timedOnly ? 'a.latency_ms IS NOT NULL AND ' : ''}(${bucketCase('a.latency_ms', latencyBucketsMs)}) = ${i})`).join(',\n    ')}
  FROM ${source} a JOIN messages m ON m.id = a.message_id
  GROUP BY ${positions(5)} ORDER BY ${positions(5)}
  ON CONFLICT (project_id, hour, connector_id, connector_type, channel, shard) DO UPDATE SET
    attempts = s.attempts + excluded.attempts, successes = s.successes + excluded.successes,
    retries = s.retries + excluded.retries, timed = s.timed + excluded.timed,
    ${latencyColumns.map((c) => `${c} = s.${c} + excluded.${c}`).join(', ')};`;

/** A verification's country: that of its first send. */
const sessionCountry = (session: string) =>
  `coalesce((SELECT v.country FROM verify_sends v WHERE v.session_id = ${session}.id ORDER BY v.id LIMIT 1), '')`;
const addSends = (source: string, shard: string) => `
  INSERT INTO verify_stats_daily AS s (project_id, day, country, shard, sessions, sends, checks, verified)
  SELECT n.project_id, ${dayOf('n.sent_at')}, coalesce(n.country, ''), ${shard},
    count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM verify_sends p WHERE p.session_id = n.session_id AND p.id < n.id)),
    count(*), 0, 0
  FROM ${source} n GROUP BY ${positions(3)} ORDER BY ${positions(3)}
  ON CONFLICT (project_id, day, country, shard) DO UPDATE SET sessions = s.sessions + excluded.sessions,
    sends = s.sends + excluded.sends;`;
/** Adds checks and approvals: `source` has the session's columns and `checks`, `approved`. */
const addChecks = (source: string, shard: string) => `
  INSERT INTO verify_stats_daily AS s (project_id, day, country, shard, sessions, sends, checks, verified)
  SELECT c.project_id, ${dayOf('c.updated_at')}, ${sessionCountry('c')}, ${shard}, 0, 0, sum(c.checks), sum(c.approved)
  FROM ${source} c GROUP BY ${positions(3)} ORDER BY ${positions(3)}
  ON CONFLICT (project_id, day, country, shard) DO UPDATE SET checks = s.checks + excluded.checks,
    verified = s.verified + excluded.verified;`;

const changedMessage = `(o.status, o.channel, o.connector_id, o.error_code, o.segments, o.cost_eur, o.cost_mad)
  IS DISTINCT FROM (n.status, n.channel, n.connector_id, n.error_code, n.segments, n.cost_eur, n.cost_mad)`;
const sharded = (key: string) => `PRIMARY KEY (${key}, shard)`;

export default `
ALTER TABLE message_attempts ADD COLUMN latency_ms BIGINT;

CREATE TABLE message_stats_hourly (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  hour BIGINT NOT NULL,
  key_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL,
  shard INTEGER NOT NULL DEFAULT 0,
  messages BIGINT NOT NULL DEFAULT 0,
  segments BIGINT NOT NULL DEFAULT 0,
  cost_eur_micros BIGINT NOT NULL DEFAULT 0,
  cost_mad_micros BIGINT NOT NULL DEFAULT 0,
  ${sharded(hourlyKey)}
);
CREATE TABLE message_stats_daily (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  day BIGINT NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL,
  country TEXT NOT NULL,
  operator TEXT NOT NULL,
  connector_id TEXT NOT NULL,
  template TEXT NOT NULL,
  error_code TEXT NOT NULL,
  shard INTEGER NOT NULL DEFAULT 0,
  messages BIGINT NOT NULL DEFAULT 0,
  segments BIGINT NOT NULL DEFAULT 0,
  cost_eur_micros BIGINT NOT NULL DEFAULT 0,
  cost_mad_micros BIGINT NOT NULL DEFAULT 0,
  ${sharded(dailyKey)}
);
CREATE TABLE delivery_times_hourly (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  hour BIGINT NOT NULL,
  channel TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  shard INTEGER NOT NULL DEFAULT 0,
  messages BIGINT NOT NULL DEFAULT 0,
  ${sharded('project_id, hour, channel, bucket')}
);
CREATE TABLE delivery_times_daily (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  day BIGINT NOT NULL,
  channel TEXT NOT NULL,
  country TEXT NOT NULL,
  operator TEXT NOT NULL,
  connector_id TEXT NOT NULL,
  template TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  shard INTEGER NOT NULL DEFAULT 0,
  messages BIGINT NOT NULL DEFAULT 0,
  ${sharded('project_id, day, channel, country, operator, connector_id, template, bucket')}
);
CREATE TABLE connector_stats_hourly (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  hour BIGINT NOT NULL,
  connector_id TEXT NOT NULL,
  connector_type TEXT NOT NULL,
  channel TEXT NOT NULL,
  shard INTEGER NOT NULL DEFAULT 0,
  attempts BIGINT NOT NULL DEFAULT 0,
  successes BIGINT NOT NULL DEFAULT 0,
  retries BIGINT NOT NULL DEFAULT 0,
  timed BIGINT NOT NULL DEFAULT 0,
  ${latencyColumns.map((c) => `${c} BIGINT NOT NULL DEFAULT 0`).join(',\n  ')},
  ${sharded('project_id, hour, connector_id, connector_type, channel')}
);
CREATE TABLE verify_stats_daily (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  day BIGINT NOT NULL,
  country TEXT NOT NULL,
  shard INTEGER NOT NULL DEFAULT 0,
  sessions BIGINT NOT NULL DEFAULT 0,
  sends BIGINT NOT NULL DEFAULT 0,
  checks BIGINT NOT NULL DEFAULT 0,
  verified BIGINT NOT NULL DEFAULT 0,
  ${sharded('project_id, day, country')}
);

CREATE FUNCTION messages_stats_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  ${addMessages('(SELECT *, 1 AS sign FROM new_rows)', SHARD)}
  RETURN NULL;
END
$fn$;
CREATE TRIGGER messages_stats_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION messages_stats_insert();

CREATE FUNCTION messages_stats_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  ${addMessages(
    `(SELECT o.*, -1 AS sign FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE ${changedMessage}
      UNION ALL SELECT n.*, 1 AS sign FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE ${changedMessage})`,
    SHARD,
  )}
  ${addDeliveries('(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.delivered_at IS NULL AND n.delivered_at IS NOT NULL)', SHARD)}
  RETURN NULL;
END
$fn$;
CREATE TRIGGER messages_stats_update AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION messages_stats_update();

CREATE FUNCTION message_attempts_stats() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  ${addAttempts('new_rows', SHARD)}
  RETURN NULL;
END
$fn$;
CREATE TRIGGER message_attempts_stats AFTER INSERT ON message_attempts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION message_attempts_stats();

CREATE FUNCTION verify_sends_stats() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  ${addSends('new_rows', SHARD)}
  RETURN NULL;
END
$fn$;
CREATE TRIGGER verify_sends_stats AFTER INSERT ON verify_sends
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION verify_sends_stats();

CREATE FUNCTION verify_sessions_stats() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  ${addChecks(
    `(SELECT n.*, greatest(n.attempts - o.attempts, 0) + (n.status = 'approved' AND o.status <> 'approved')::int AS checks,
        (n.status = 'approved' AND o.status <> 'approved')::int AS approved
      FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE n.attempts > o.attempts OR (n.status = 'approved' AND o.status <> 'approved'))`,
    SHARD,
  )}
  RETURN NULL;
END
$fn$;
CREATE TRIGGER verify_sessions_stats AFTER UPDATE ON verify_sessions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION verify_sessions_stats();

${addMessages('(SELECT *, 1 AS sign FROM messages)', '0')}
${addDeliveries('(SELECT * FROM messages WHERE delivered_at IS NOT NULL)', '0')}
${addAttempts('message_attempts', '0')}
${addSends('verify_sends', '0')}
${addChecks(
  `(SELECT s.*, s.attempts + (s.status = 'approved')::int AS checks, (s.status = 'approved')::int AS approved
    FROM verify_sessions s WHERE s.attempts > 0 OR s.status = 'approved')`,
  '0',
)}
`;
