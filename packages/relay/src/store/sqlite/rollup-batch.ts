import type Database from 'better-sqlite3';
import type { Message, MessageAttemptRecord } from '../types/index.js';
import { DAY_MS, deliveryBucketsMs, HOUR_MS, latencyBucketsMs, latencyColumns } from '../analytics-schema.js';

/**
 * The analytics rollups of a group-committed batch, counted in JavaScript (SQLite migration 018).
 * The row triggers of migration 015 write up to nine upserts per message on the send path (two
 * when it is accepted; four, two and one when its delivery is recorded); a batch of sends or of
 * finished deliveries instead adds its messages' moves up here and writes one upsert per distinct
 * rollup row, usually a handful for the whole batch. The triggers skip while the batch's
 * transaction holds the row of `rollups_deferred`, and count every other write as before.
 *
 * Each function here gives the same numbers as the trigger it stands in for (the consistency
 * test recounts both from the messages: test/store-contract/analytics.test.ts).
 */

/** What a message's rollup rows are keyed and measured by. */
export type RollupState = Pick<
  Message,
  | 'projectId'
  | 'keyId'
  | 'createdAt'
  | 'channel'
  | 'status'
  | 'country'
  | 'operator'
  | 'connectorId'
  | 'template'
  | 'errorCode'
  | 'segments'
  | 'costEur'
  | 'costMad'
  | 'deliveredAt'
>;

/** SQLite's `CAST(round(x * 1000000) AS INTEGER)` for the costs' millionths (round half away from zero). */
function micros(value: number | null): number {
  const r = (value ?? 0) * 1_000_000;
  return r < 0 ? -Math.trunc(-r + 0.5) : Math.trunc(r + 0.5);
}

/** The index of `value`'s bucket among `bounds` (the last one past them all), as `bucketCase`. */
function bucketOf(value: number, bounds: readonly number[]): number {
  for (let i = 0; i < bounds.length; i++) if (value < bounds[i]!) return i;
  return bounds.length;
}

const failedStatuses = new Set(['failed', 'undelivered']);

/** Sums keyed by a rollup row's primary key: the key's values, then the counters to add. */
class Sums {
  readonly rows = new Map<string, { key: unknown[]; add: number[] }>();

  add(key: unknown[], add: number[]): void {
    const id = key.join('\u0000');
    const row = this.rows.get(id);
    if (!row) {
      this.rows.set(id, { key, add });
      return;
    }
    for (let i = 0; i < add.length; i++) row.add[i]! += add[i]!;
  }
}

/** The moves of one batch, added up. */
export class RollupDeltas {
  readonly hourly = new Sums();
  readonly daily = new Sums();
  readonly deliveryHourly = new Sums();
  readonly deliveryDaily = new Sums();
  readonly connectors = new Sums();

  /** Message `m` counted (`sign` 1) or taken out (-1) under its state. */
  private count(m: RollupState, sign: 1 | -1): void {
    const measures = [sign, sign * (m.segments ?? 0), sign * micros(m.costEur), sign * micros(m.costMad)];
    this.hourly.add([m.projectId, m.createdAt - (m.createdAt % HOUR_MS), m.keyId, m.channel, m.status], measures);
    this.daily.add(
      [
        m.projectId,
        m.createdAt - (m.createdAt % DAY_MS),
        m.channel,
        m.status,
        m.country ?? '',
        m.operator ?? '',
        m.connectorId ?? '',
        m.template ?? '',
        failedStatuses.has(m.status) ? (m.errorCode ?? '') : '',
      ],
      measures.slice(),
    );
  }

  /** Message `m` inserted (an insert writes no connector nor error code): `messages_stats_insert`. */
  inserted(m: RollupState): void {
    this.count(m.connectorId === null && m.errorCode === null ? m : { ...m, connectorId: null, errorCode: null }, 1);
  }

  /** A message's update from `before` to `after`: `messages_stats_update` and `messages_delivery_time`. */
  move(before: RollupState, after: RollupState): void {
    if (
      before.status !== after.status ||
      before.channel !== after.channel ||
      before.connectorId !== after.connectorId ||
      before.errorCode !== after.errorCode ||
      before.segments !== after.segments ||
      before.costEur !== after.costEur ||
      before.costMad !== after.costMad
    ) {
      this.count(before, -1);
      this.count(after, 1);
    }
    if (before.deliveredAt === null && after.deliveredAt !== null) this.delivered(after);
  }

  /** Message `m` delivered: its time to delivered counted. */
  private delivered(m: RollupState): void {
    const bucket = bucketOf(Math.max(m.deliveredAt! - m.createdAt, 0), deliveryBucketsMs);
    this.deliveryHourly.add([m.projectId, m.createdAt - (m.createdAt % HOUR_MS), m.channel, bucket], [1]);
    this.deliveryDaily.add(
      [
        m.projectId,
        m.createdAt - (m.createdAt % DAY_MS),
        m.channel,
        m.country ?? '',
        m.operator ?? '',
        m.connectorId ?? '',
        m.template ?? '',
        bucket,
      ],
      [1],
    );
  }

  /** Attempt `a` of a message of `projectId` (`retry`: it had an earlier one): `message_attempts_stats`. */
  attempt(projectId: string, a: MessageAttemptRecord, retry: boolean): void {
    const latency = a.latencyMs == null ? null : Math.round(a.latencyMs);
    // An attempt without a latency is in no bucket (018).
    const bucket = latency === null ? -1 : bucketOf(latency, latencyBucketsMs);
    const histogram = latencyColumns.map((_, i) => (i === bucket ? 1 : 0));
    this.connectors.add(
      [projectId, a.at - (a.at % HOUR_MS), a.connectorId, a.connectorType, a.channel],
      [1, failedStatuses.has(a.status) ? 0 : 1, retry ? 1 : 0, latency === null ? 0 : 1, ...histogram],
    );
  }
}

const metricSums = `ON CONFLICT DO UPDATE SET messages = messages + excluded.messages, segments = segments + excluded.segments,
  cost_eur_micros = cost_eur_micros + excluded.cost_eur_micros, cost_mad_micros = cost_mad_micros + excluded.cost_mad_micros`;
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** The upserts of each rollup table, prepared once. */
function prepareUpserts(db: Database.Database) {
  const connectorCounters = ['attempts', 'successes', 'retries', 'timed', ...latencyColumns];
  return {
    hourly: db.prepare(
      `INSERT INTO message_stats_hourly (project_id, hour, key_id, channel, status, messages, segments, cost_eur_micros,
         cost_mad_micros) VALUES (${placeholders(9)}) ${metricSums}`,
    ),
    daily: db.prepare(
      `INSERT INTO message_stats_daily (project_id, day, channel, status, country, operator, connector_id, template, error_code,
         messages, segments, cost_eur_micros, cost_mad_micros) VALUES (${placeholders(13)}) ${metricSums}`,
    ),
    deliveryHourly: db.prepare(
      `INSERT INTO delivery_times_hourly (project_id, hour, channel, bucket, messages) VALUES (${placeholders(5)})
       ON CONFLICT DO UPDATE SET messages = messages + excluded.messages`,
    ),
    deliveryDaily: db.prepare(
      `INSERT INTO delivery_times_daily (project_id, day, channel, country, operator, connector_id, template, bucket, messages)
       VALUES (${placeholders(9)}) ON CONFLICT DO UPDATE SET messages = messages + excluded.messages`,
    ),
    connectors: db.prepare(
      `INSERT INTO connector_stats_hourly (project_id, hour, connector_id, connector_type, channel, ${connectorCounters.join(', ')})
       VALUES (${placeholders(5 + connectorCounters.length)})
       ON CONFLICT DO UPDATE SET ${connectorCounters.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
    ),
  };
}

/**
 * Runs a batch's writes with the rollup triggers skipping, then writes what the batch counted.
 * Call inside a transaction: if `write` throws, the transaction's rollback takes the flag back.
 * Batches never nest (the flag's insert would fail loudly).
 */
export function createRollupBatch(db: Database.Database) {
  const defer = db.prepare('INSERT INTO rollups_deferred (id) VALUES (1)');
  const resume = db.prepare('DELETE FROM rollups_deferred');
  const upserts = prepareUpserts(db);
  const flush = (deltas: RollupDeltas) => {
    for (const name of ['hourly', 'daily', 'deliveryHourly', 'deliveryDaily', 'connectors'] as const) {
      const statement = upserts[name];
      for (const { key, add } of deltas[name].rows.values()) {
        if (add.some((n) => n !== 0)) statement.run(...key, ...add);
      }
    }
  };
  return <T>(write: (deltas: RollupDeltas) => T): T => {
    defer.run();
    const deltas = new RollupDeltas();
    const result = write(deltas);
    resume.run();
    flush(deltas);
    return result;
  };
}
