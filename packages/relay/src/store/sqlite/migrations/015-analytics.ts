import {
  bucketCase,
  DAY_MS,
  deliveryBucketsMs,
  HOUR_MS,
  latencyBucketsMs,
  latencyColumns,
} from '../../analytics-schema.js';

/**
 * Schema version 15. The analytics rollups (issue 14; see store/analytics-schema.ts): tables of
 * counters and the triggers that keep them in the transactions that write messages, attempts and
 * verifications, then a backfill from what is already stored. Their `shard` is always 0 here
 * (PostgreSQL spreads its writers over shards): the same columns on both backends, so `copy`
 * moves them as they are. Never edit a shipped migration: add the next one. (Its SQL builders are
 * exported for 018, which recreates its triggers: they must go on building the same text.)
 */

/** A message row's rollup values (`r` is `new` or `old`), counted with `sign`. */
const metrics = (r: string, sign: string) =>
  `${sign}, ${sign} * coalesce(${r}.segments, 0), ${sign} * CAST(round(coalesce(${r}.cost_eur, 0) * 1000000) AS INTEGER),
   ${sign} * CAST(round(coalesce(${r}.cost_mad, 0) * 1000000) AS INTEGER)`;
export const metricColumns = 'messages, segments, cost_eur_micros, cost_mad_micros';
export const addMetrics = `ON CONFLICT DO UPDATE SET messages = messages + excluded.messages, segments = segments + excluded.segments,
  cost_eur_micros = cost_eur_micros + excluded.cost_eur_micros, cost_mad_micros = cost_mad_micros + excluded.cost_mad_micros`;
export const hourOf = (column: string) => `${column} - ${column} % ${HOUR_MS}`;
const dayOf = (column: string) => `${column} - ${column} % ${DAY_MS}`;
/** The daily row's dimensions of message `r`; the error code only keys failures. */
export const dailyKey = (r: string) =>
  `${r}.project_id, ${dayOf(`${r}.created_at`)}, ${r}.channel, ${r}.status, coalesce(${r}.country, ''),
   coalesce(${r}.operator, ''), coalesce(${r}.connector_id, ''), coalesce(${r}.template, ''),
   CASE WHEN ${r}.status IN ('failed', 'undelivered') THEN coalesce(${r}.error_code, '') ELSE '' END`;

export const hourly = (r: string, sign: string) =>
  `INSERT INTO message_stats_hourly (project_id, hour, key_id, channel, status, ${metricColumns})
   VALUES (${r}.project_id, ${hourOf(`${r}.created_at`)}, ${r}.key_id, ${r}.channel, ${r}.status, ${metrics(r, sign)})
   ${addMetrics};`;
export const daily = (r: string, sign: string) =>
  `INSERT INTO message_stats_daily (project_id, day, channel, status, country, operator, connector_id, template, error_code, ${metricColumns})
   VALUES (${dailyKey(r)}, ${metrics(r, sign)})
   ${addMetrics};`;
export const deliveryBucket = (r: string) =>
  bucketCase(`max(${r}.delivered_at - ${r}.created_at, 0)`, deliveryBucketsMs);
/** The time-to-delivered rows' dimensions of message `r`. */
export const deliveryDaily = (r: string) =>
  `${r}.project_id, ${dayOf(`${r}.created_at`)}, ${r}.channel, coalesce(${r}.country, ''), coalesce(${r}.operator, ''),
   coalesce(${r}.connector_id, ''), coalesce(${r}.template, ''), ${deliveryBucket(r)}`;
/** The latency histogram's values of attempt `new`; as written here, an untimed attempt fell in the last bucket (018 puts it in none). */
export const latencyValues = (timedOnly = false) =>
  latencyColumns
    .map(
      (_, i) =>
        `coalesce(${timedOnly ? 'new.latency_ms IS NOT NULL AND ' : ''}${bucketCase('new.latency_ms', latencyBucketsMs)} = ${i}, 0)`,
    )
    .join(', ');

/** An update that moves a message between rollup rows. */
export const countedChange = `old.status IS NOT new.status OR old.channel IS NOT new.channel OR old.connector_id IS NOT new.connector_id
    OR old.error_code IS NOT new.error_code OR old.segments IS NOT new.segments OR old.cost_eur IS NOT new.cost_eur
    OR old.cost_mad IS NOT new.cost_mad`;
/** What the time-to-delivered trigger adds for message `new`. */
export const deliveryInserts = `
    INSERT INTO delivery_times_hourly (project_id, hour, channel, bucket, messages)
    VALUES (new.project_id, ${hourOf('new.created_at')}, new.channel, ${deliveryBucket('new')}, 1)
    ON CONFLICT DO UPDATE SET messages = messages + 1;
    INSERT INTO delivery_times_daily (project_id, day, channel, country, operator, connector_id, template, bucket, messages)
    VALUES (${deliveryDaily('new')}, 1)
    ON CONFLICT DO UPDATE SET messages = messages + 1;`;
/** What the attempts trigger adds for attempt `new`. */
export const attemptStats = (timedOnly = false) => `
    INSERT INTO connector_stats_hourly (project_id, hour, connector_id, connector_type, channel, attempts, successes, retries,
      timed, ${latencyColumns.join(', ')})
    SELECT m.project_id, ${hourOf('new.at')}, new.connector_id, new.connector_type, new.channel, 1,
      new.status NOT IN ('failed', 'undelivered'),
      EXISTS (SELECT 1 FROM message_attempts a WHERE a.message_id = new.message_id AND a.id < new.id),
      new.latency_ms IS NOT NULL, ${latencyValues(timedOnly)}
    FROM messages m WHERE m.id = new.message_id
    ON CONFLICT DO UPDATE SET attempts = attempts + 1, successes = successes + excluded.successes,
      retries = retries + excluded.retries, timed = timed + excluded.timed,
      ${latencyColumns.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')};`;

export const up = `
  ALTER TABLE message_attempts ADD COLUMN latency_ms INTEGER;

  CREATE TABLE message_stats_hourly (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    hour INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    messages INTEGER NOT NULL DEFAULT 0,
    segments INTEGER NOT NULL DEFAULT 0,
    cost_eur_micros INTEGER NOT NULL DEFAULT 0,
    cost_mad_micros INTEGER NOT NULL DEFAULT 0,
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, hour, key_id, channel, status, shard)
  ) WITHOUT ROWID;
  CREATE TABLE message_stats_daily (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    day INTEGER NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    country TEXT NOT NULL,
    operator TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    template TEXT NOT NULL,
    error_code TEXT NOT NULL,
    messages INTEGER NOT NULL DEFAULT 0,
    segments INTEGER NOT NULL DEFAULT 0,
    cost_eur_micros INTEGER NOT NULL DEFAULT 0,
    cost_mad_micros INTEGER NOT NULL DEFAULT 0,
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, day, channel, status, country, operator, connector_id, template, error_code, shard)
  ) WITHOUT ROWID;
  CREATE TABLE delivery_times_hourly (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    hour INTEGER NOT NULL,
    channel TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    messages INTEGER NOT NULL DEFAULT 0,
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, hour, channel, bucket, shard)
  ) WITHOUT ROWID;
  CREATE TABLE delivery_times_daily (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    day INTEGER NOT NULL,
    channel TEXT NOT NULL,
    country TEXT NOT NULL,
    operator TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    template TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    messages INTEGER NOT NULL DEFAULT 0,
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, day, channel, country, operator, connector_id, template, bucket, shard)
  ) WITHOUT ROWID;
  CREATE TABLE connector_stats_hourly (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    hour INTEGER NOT NULL,
    connector_id TEXT NOT NULL,
    connector_type TEXT NOT NULL,
    channel TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    successes INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    timed INTEGER NOT NULL DEFAULT 0,
    ${latencyColumns.map((c) => `${c} INTEGER NOT NULL DEFAULT 0`).join(',\n    ')},
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, hour, connector_id, connector_type, channel, shard)
  ) WITHOUT ROWID;
  CREATE TABLE verify_stats_daily (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    day INTEGER NOT NULL,
    country TEXT NOT NULL,
    sessions INTEGER NOT NULL DEFAULT 0,
    sends INTEGER NOT NULL DEFAULT 0,
    checks INTEGER NOT NULL DEFAULT 0,
    verified INTEGER NOT NULL DEFAULT 0,
    shard INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, day, country, shard)
  ) WITHOUT ROWID;

  CREATE TRIGGER messages_stats_insert AFTER INSERT ON messages BEGIN
    ${hourly('new', '1')}
    ${daily('new', '1')}
  END;
  CREATE TRIGGER messages_stats_update AFTER UPDATE OF status, channel, connector_id, error_code, segments, cost_eur, cost_mad ON messages
  WHEN ${countedChange}
  BEGIN
    ${hourly('old', '-1')}
    ${hourly('new', '1')}
    ${daily('old', '-1')}
    ${daily('new', '1')}
  END;
  CREATE TRIGGER messages_delivery_time AFTER UPDATE OF delivered_at ON messages
  WHEN old.delivered_at IS NULL AND new.delivered_at IS NOT NULL
  BEGIN
    ${deliveryInserts}
  END;
  CREATE TRIGGER message_attempts_stats AFTER INSERT ON message_attempts BEGIN
    ${attemptStats()}
  END;
  CREATE TRIGGER verify_sends_stats AFTER INSERT ON verify_sends BEGIN
    INSERT INTO verify_stats_daily (project_id, day, country, sessions, sends)
    VALUES (new.project_id, ${dayOf('new.sent_at')}, coalesce(new.country, ''),
      NOT EXISTS (SELECT 1 FROM verify_sends v WHERE v.session_id = new.session_id AND v.id < new.id), 1)
    ON CONFLICT DO UPDATE SET sessions = sessions + excluded.sessions, sends = sends + 1;
  END;
  CREATE TRIGGER verify_sessions_stats AFTER UPDATE OF status, attempts ON verify_sessions
  WHEN new.attempts > old.attempts OR (new.status = 'approved' AND old.status <> 'approved')
  BEGIN
    INSERT INTO verify_stats_daily (project_id, day, country, checks, verified)
    VALUES (new.project_id, ${dayOf('new.updated_at')},
      coalesce((SELECT country FROM verify_sends v WHERE v.session_id = new.id ORDER BY v.id LIMIT 1), ''),
      new.attempts - old.attempts + (new.status = 'approved' AND old.status <> 'approved'),
      new.status = 'approved' AND old.status <> 'approved')
    ON CONFLICT DO UPDATE SET checks = checks + excluded.checks, verified = verified + excluded.verified;
  END;

  INSERT INTO message_stats_hourly (project_id, hour, key_id, channel, status, ${metricColumns})
  SELECT project_id, ${hourOf('created_at')} AS h, key_id, channel, status, count(*), sum(coalesce(segments, 0)),
    sum(CAST(round(coalesce(cost_eur, 0) * 1000000) AS INTEGER)), sum(CAST(round(coalesce(cost_mad, 0) * 1000000) AS INTEGER))
  FROM messages GROUP BY project_id, h, key_id, channel, status;
  INSERT INTO message_stats_daily (project_id, day, channel, status, country, operator, connector_id, template, error_code, ${metricColumns})
  SELECT ${dailyKey('m')}, count(*), sum(coalesce(m.segments, 0)),
    sum(CAST(round(coalesce(m.cost_eur, 0) * 1000000) AS INTEGER)), sum(CAST(round(coalesce(m.cost_mad, 0) * 1000000) AS INTEGER))
  FROM messages m GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
  INSERT INTO delivery_times_hourly (project_id, hour, channel, bucket, messages)
  SELECT project_id, ${hourOf('created_at')}, channel, ${deliveryBucket('m')}, count(*)
  FROM messages m WHERE delivered_at IS NOT NULL GROUP BY 1, 2, 3, 4;
  INSERT INTO delivery_times_daily (project_id, day, channel, country, operator, connector_id, template, bucket, messages)
  SELECT ${deliveryDaily('m')}, count(*) FROM messages m WHERE delivered_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
  INSERT INTO connector_stats_hourly (project_id, hour, connector_id, connector_type, channel, attempts, successes, retries)
  SELECT m.project_id, ${hourOf('a.at')}, a.connector_id, a.connector_type, a.channel, count(*),
    sum(a.status NOT IN ('failed', 'undelivered')),
    sum(EXISTS (SELECT 1 FROM message_attempts p WHERE p.message_id = a.message_id AND p.id < a.id))
  FROM message_attempts a JOIN messages m ON m.id = a.message_id GROUP BY 1, 2, 3, 4, 5;
  INSERT INTO verify_stats_daily (project_id, day, country, sessions, sends, checks, verified)
  SELECT project_id, ${dayOf('sent_at')}, coalesce(country, ''),
    sum(NOT EXISTS (SELECT 1 FROM verify_sends p WHERE p.session_id = v.session_id AND p.id < v.id)), count(*), 0, 0
  FROM verify_sends v GROUP BY 1, 2, 3;
  INSERT INTO verify_stats_daily (project_id, day, country, checks, verified)
  SELECT s.project_id, ${dayOf('s.updated_at')},
    coalesce((SELECT country FROM verify_sends v WHERE v.session_id = s.id ORDER BY v.id LIMIT 1), ''),
    sum(s.attempts + (s.status = 'approved')), sum(s.status = 'approved')
  FROM verify_sessions s WHERE s.attempts > 0 OR s.status = 'approved' GROUP BY 1, 2, 3
  ON CONFLICT DO UPDATE SET checks = checks + excluded.checks, verified = verified + excluded.verified;
`;
