import type Database from 'better-sqlite3';
import { latencyColumns } from '../analytics-schema.js';

/** Sums keyed by a rollup row's primary key: the key's values, then the counters to add. */
export class Sums {
  readonly rows = new Map<string, { key: unknown[]; add: number[] }>();

  /** The row `id` (the key's values joined), or null when nothing was added to it yet. */
  get(id: string): number[] | null {
    return this.rows.get(id)?.add ?? null;
  }

  /** Starts the row `id` with its key's values and the counters to add. */
  start(id: string, key: unknown[], add: number[]): void {
    this.rows.set(id, { key, add });
  }

  /** Adds `add` to the row of `key` (the caller's array is kept when the row is new). */
  add(key: unknown[], add: number[]): void {
    const id = key.join('\0');
    const row = this.get(id);
    if (!row) this.start(id, key, add);
    else for (let i = 0; i < add.length; i++) row[i]! += add[i]!;
  }
}

/** The rollup tables' sums, by the name of their upsert. */
export type RollupSums = Record<'hourly' | 'daily' | 'deliveryHourly' | 'deliveryDaily' | 'connectors', Sums>;

const metricSums = `ON CONFLICT DO UPDATE SET messages = messages + excluded.messages, segments = segments + excluded.segments,
  cost_eur_micros = cost_eur_micros + excluded.cost_eur_micros, cost_mad_micros = cost_mad_micros + excluded.cost_mad_micros`;
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
const connectorCounters = ['attempts', 'successes', 'retries', 'timed', ...latencyColumns];

/** The upserts of each rollup table (015's key columns, then its counters), prepared once. */
function prepareUpserts(db: Database.Database): Record<keyof RollupSums, Database.Statement> {
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

/** Empty sums for every rollup table. */
export function newRollupSums(): RollupSums {
  return {
    hourly: new Sums(),
    daily: new Sums(),
    deliveryHourly: new Sums(),
    deliveryDaily: new Sums(),
    connectors: new Sums(),
  };
}

/** Writes sums into the rollup tables: one upsert per row that moves something. */
export function createRollupWriter(db: Database.Database) {
  const upserts = prepareUpserts(db);
  const names = Object.keys(upserts) as Array<keyof RollupSums>;
  return (sums: RollupSums) => {
    for (const name of names) {
      const statement = upserts[name];
      for (const { key, add } of sums[name].rows.values()) {
        if (add.some((n) => n !== 0)) statement.run(...key, ...add);
      }
    }
  };
}
