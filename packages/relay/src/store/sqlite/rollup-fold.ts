import type Database from 'better-sqlite3';
import {
  bucketCase,
  DAY_MS,
  deliveryBucketsMs,
  HOUR_MS,
  latencyBucketsMs,
  latencyColumns,
} from '../analytics-schema.js';
import { createRollupWriter, newRollupSums, type RollupSums } from './rollup-sums.js';

/** Rows (by rowid span) counted per transaction: a fold never holds the writer for long. */
export const FOLD_CHUNK_ROWS = 5_000;

const micros = (column: string) => `sum(CAST(round(coalesce(m.${column}, 0) * 1000000) AS INTEGER))`;

/**
 * The messages of a rowid span grouped by every dimension of every message rollup at once (one
 * scan and one sort, where a statement per rollup table took four): the hour, key, channel,
 * status, daily dimensions, error code (failures only) and time-to-delivered bucket (-1 when not
 * delivered), then the count, segments and costs' millionths.
 */
const messagesSql = `
  SELECT m.project_id, m.created_at - m.created_at % ${HOUR_MS}, m.key_id, m.channel, m.status, coalesce(m.country, ''),
    coalesce(m.operator, ''), coalesce(m.connector_id, ''), coalesce(m.template, ''),
    CASE WHEN m.status IN ('failed', 'undelivered') THEN coalesce(m.error_code, '') ELSE '' END,
    CASE WHEN m.delivered_at IS NULL THEN -1 ELSE ${bucketCase('max(m.delivered_at - m.created_at, 0)', deliveryBucketsMs)} END,
    count(*), sum(coalesce(m.segments, 0)), ${micros('cost_eur')}, ${micros('cost_mad')}
  FROM messages m WHERE m.rowid > ? AND m.rowid <= ?
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`;

/**
 * The attempts of an id span grouped by the connectors' rollup key, success, retry (an attempt
 * after another of the same message) and latency bucket (-1 without a measured latency: in no
 * bucket, as 018 counts), then the count.
 */
const attemptsSql = `
  SELECT m.project_id, a.at - a.at % ${HOUR_MS}, a.connector_id, a.connector_type, a.channel,
    a.status NOT IN ('failed', 'undelivered'),
    EXISTS (SELECT 1 FROM message_attempts p WHERE p.message_id = a.message_id AND p.id < a.id),
    CASE WHEN a.latency_ms IS NULL THEN -1 ELSE ${bucketCase('a.latency_ms', latencyBucketsMs)} END,
    count(*)
  FROM message_attempts a JOIN messages m ON m.id = a.message_id WHERE a.id > ? AND a.id <= ?
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`;

/** Adds the grouped messages `rows` (messagesSql's) to the message rollups' sums. */
function addMessages(sums: RollupSums, rows: unknown[][]): void {
  for (const r of rows) {
    const [project, hour, key, channel, status, country, operator, connector, template, error, bucket] = r as [
      string,
      number,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      number,
    ];
    const [n, segments, eur, mad] = r.slice(11) as number[];
    const day = hour - (hour % DAY_MS);
    sums.hourly.add([project, hour, key, channel, status], [n!, segments!, eur!, mad!]);
    const dims = [country, operator, connector, template];
    sums.daily.add([project, day, channel, status, ...dims, error], [n!, segments!, eur!, mad!]);
    if (bucket >= 0) {
      sums.deliveryHourly.add([project, hour, channel, bucket], [n!]);
      sums.deliveryDaily.add([project, day, channel, ...dims, bucket], [n!]);
    }
  }
}

/** Adds the grouped attempts `rows` (attemptsSql's) to the connectors' rollup sums. */
function addAttempts(sums: RollupSums, rows: unknown[][]): void {
  for (const r of rows) {
    const [project, hour, connector, type, channel, ok, retry, bucket, n] = r as [
      string,
      number,
      string,
      string,
      string,
      number,
      number,
      number,
      number,
    ];
    const add = [n, ok ? n : 0, retry ? n : 0, bucket >= 0 ? n : 0, ...latencyColumns.map(() => 0)];
    if (bucket >= 0) add[4 + bucket] = n;
    sums.connectors.add([project, hour, connector, type, channel], add);
  }
}

/**
 * The fold of SQLite's analytics rollups (migration 019): counts the messages and attempts
 * written since the last fold, each as it is now, and moves the marks up. Every read of the
 * rollups folds everything first. The worker folds every couple of seconds the messages created
 * more than a few seconds before (`SETTLE_LAG_MS`): most are delivered by then, so each is counted
 * once, as it ends, and no batch has to move it between rollup rows.
 * (The triggers that fold before a delete use 019's statements, which count the same.)
 */
export function createRollupFold(db: Database.Database) {
  const markOf = db.prepare<[string], number>('SELECT mark FROM rollup_marks WHERE source = ?').pluck();
  const setMark = db.prepare<[number, string]>('UPDATE rollup_marks SET mark = ? WHERE source = ?');
  const lastMessage = db.prepare<[], number | null>('SELECT max(rowid) FROM messages').pluck();
  const lastAttempt = db.prepare<[], number | null>('SELECT max(id) FROM message_attempts').pluck();
  const messages = db.prepare<[number, number], unknown[]>(messagesSql).raw(true);
  const attempts = db.prepare<[number, number], unknown[]>(attemptsSql).raw(true);
  const write = createRollupWriter(db);

  // The first message of a span created after `before`: `+created_at` walks the span from the
  // mark (what is folded next, at most a chunk), not the index of every message created since.
  const firstYoung = db
    .prepare<[number, number, number], number>(
      'SELECT rowid FROM messages WHERE rowid > ? AND rowid <= ? AND +created_at > ? ORDER BY rowid LIMIT 1',
    )
    .pluck();

  /** The span of `source` past its mark to count now: at most `limit` rowids, ending before the first `young` one. */
  const span = (
    source: string,
    last: number | null,
    limit: number,
    young?: (from: number, to: number) => number | undefined,
  ) => {
    const from = markOf.get(source) ?? 0;
    const end = Math.min(last ?? 0, from + limit);
    const first = young?.(from, end);
    const to = first === undefined ? end : Math.min(end, first - 1);
    return { from, to, more: to === from + limit && to < (last ?? 0) };
  };
  const step = db.transaction((limit: number, before: number | undefined) => {
    const sums = newRollupSums();
    const young = before === undefined ? undefined : (from: number, to: number) => firstYoung.get(from, to, before);
    const m = span('messages', lastMessage.get() ?? null, limit, young);
    if (m.to > m.from) addMessages(sums, messages.all(m.from, m.to));
    // Attempts never change once written: each is counted as soon as the fold comes.
    const a = span('message_attempts', lastAttempt.get() ?? null, limit);
    if (a.to > a.from) addAttempts(sums, attempts.all(a.from, a.to));
    write(sums);
    if (m.to > m.from) setMark.run(m.to, 'messages');
    if (a.to > a.from) setMark.run(a.to, 'message_attempts');
    return m.more || a.more;
  });

  return {
    /**
     * One transaction of at most `limit` rows of each table (of messages created before `before`,
     * when given); true when more are waiting.
     */
    step: (limit = FOLD_CHUNK_ROWS, before?: number): boolean => step.immediate(limit, before),
    /**
     * Everything waiting (the messages created before `before`, when given), a transaction per
     * chunk, giving the event loop a turn between them.
     */
    async all(before?: number, limit = FOLD_CHUNK_ROWS): Promise<void> {
      while (step.immediate(limit, before)) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
