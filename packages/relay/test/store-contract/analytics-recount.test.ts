import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimedJob, Store } from '../../src/store/types/index.js';
import { deliveryBucketsMs, latencyBucketsMs, latencyColumns } from '../../src/store/analytics-schema.js';
import { SQLITE_WORK_TABLES } from '../../src/store/copy.js';
import { backends, type OpenedStore } from './backends.js';
import { attempt, message, project } from './fixtures.js';
import { rows, write, type StoredRow } from '../helpers/store-snapshot.js';

// Every rollup table against a recount of the messages and attempts that the test does here, on
// its own: whatever writes the rollups (SQLite's batches that count in JavaScript, its triggers for
// the other writes, PostgreSQL's statement triggers), every counter must be what the rows say.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T = Date.parse('2026-06-01T00:00:00Z');

const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const micros = (v: unknown) => Math.round(n(v) * 1_000_000);
const bucket = (v: number, bounds: readonly number[]) => {
  const i = bounds.findIndex((b) => v < b);
  return i === -1 ? bounds.length : i;
};

/** Adds `figures` to the entry of `key` in `sums`. */
function add(sums: Map<string, number[]>, key: unknown[], figures: number[]) {
  const id = key.map(String).join('|');
  const entry = sums.get(id) ?? figures.map(() => 0);
  figures.forEach((f, i) => (entry[i]! += f));
  sums.set(id, entry);
}

/** `sums` without its entries of nothing, sorted, as an object (what `toEqual` compares). */
function settled(sums: Map<string, number[]>) {
  return Object.fromEntries(
    [...sums].filter(([, figures]) => figures.some((f) => f !== 0)).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

/** A rollup table's rows summed over their shards. */
async function table(opened: OpenedStore, name: string, key: string[], figures: string[]) {
  const sums = new Map<string, number[]>();
  for (const row of await rows(opened.location, name)) {
    add(
      sums,
      key.map((c) => (typeof row[c] === 'string' ? row[c] : Number(row[c]))),
      figures.map((f) => n(row[f])),
    );
  }
  return settled(sums);
}

/** What each rollup table must hold, counted from the messages and their attempts. */
function recount(messages: StoredRow[], attempts: StoredRow[]) {
  const hourly = new Map<string, number[]>();
  const daily = new Map<string, number[]>();
  const deliveryHourly = new Map<string, number[]>();
  const deliveryDaily = new Map<string, number[]>();
  const connectors = new Map<string, number[]>();
  const byId = new Map(messages.map((m) => [m.id as string, m]));
  for (const m of messages) {
    const created = n(m.created_at);
    const [hour, day] = [created - (created % HOUR), created - (created % DAY)];
    const measures = [1, n(m.segments), micros(m.cost_eur), micros(m.cost_mad)];
    add(hourly, [m.project_id, hour, m.key_id, m.channel, m.status], measures);
    const failed = m.status === 'failed' || m.status === 'undelivered';
    const dims = [text(m.country), text(m.operator), text(m.connector_id), text(m.template)];
    add(daily, [m.project_id, day, m.channel, m.status, ...dims, failed ? text(m.error_code) : ''], measures);
    if (m.delivered_at !== null) {
      const b = bucket(Math.max(n(m.delivered_at) - created, 0), deliveryBucketsMs);
      add(deliveryHourly, [m.project_id, hour, m.channel, b], [1]);
      add(deliveryDaily, [m.project_id, day, m.channel, ...dims, b], [1]);
    }
  }
  const seen = new Set<string>();
  for (const a of [...attempts].sort((x, y) => n(x.id) - n(y.id))) {
    const m = byId.get(a.message_id as string)!;
    const latency = a.latency_ms === null ? null : n(a.latency_ms);
    // An attempt without a measured latency is in no bucket of the histogram.
    const histogram = latencyColumns.map((_, i) =>
      latency !== null && bucket(latency, latencyBucketsMs) === i ? 1 : 0,
    );
    const ok = a.status !== 'failed' && a.status !== 'undelivered';
    const retry = seen.has(a.message_id as string);
    seen.add(a.message_id as string);
    add(
      connectors,
      [m.project_id, n(a.at) - (n(a.at) % HOUR), a.connector_id, a.connector_type, a.channel],
      [1, ok ? 1 : 0, retry ? 1 : 0, latency === null ? 0 : 1, ...histogram],
    );
  }
  return {
    hourly: settled(hourly),
    daily: settled(daily),
    deliveryHourly: settled(deliveryHourly),
    deliveryDaily: settled(deliveryDaily),
    connectors: settled(connectors),
  };
}

const metrics = ['messages', 'segments', 'cost_eur_micros', 'cost_mad_micros'];
const dims = ['country', 'operator', 'connector_id', 'template'];

describe.each(backends)('analytics rollups against a recount ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
  });
  afterEach(() => opened?.dispose());

  it('hold what the messages and attempts say after batched sends, deliveries, retries, failures and late callbacks', async () => {
    // 48 sends at once (group-committed), over two days and several hours, with every dimension
    // varied and some left empty.
    await Promise.all(
      Array.from({ length: 48 }, (_, i) =>
        store.messages.enqueue({
          message: message(`msg_r${String(i).padStart(2, '0')}`, {
            createdAt: T + (i % 2) * DAY + (i % 5) * HOUR + i,
            channel: i % 3 === 0 ? 'whatsapp' : 'sms',
            keyId: `key_${i % 3}`,
            country: i % 7 === 0 ? null : i % 2 === 0 ? 'MA' : 'FR',
            operator: i % 4 === 0 ? null : 'IAM',
            template: i % 5 === 0 ? null : i % 5 === 1 ? '123' : 'order_update',
            segments: i % 6 === 0 ? null : 1 + (i % 3),
            costEur: i % 6 === 0 ? null : 0.0123457 * (1 + (i % 4)),
            costMad: i % 6 === 0 ? null : 0.1333333 * (1 + (i % 3)),
          }),
          dueAt: T,
        }),
      ),
    );
    const now = T + 3 * DAY;
    const jobs = await store.outbox.claim(now, 100, 60_000, 'w1');
    expect(jobs).toHaveLength(48);
    const [retried, failed, rest] = [jobs.slice(0, 6), jobs.slice(6, 10), jobs.slice(10)];
    // A transient failure each (counted by the triggers), then, claimed again, a success below.
    for (const [i, job] of retried.entries()) {
      await store.outbox.retry(job, {
        attempt: attempt(job.messageId, { status: 'failed', errorCode: 'E_TEMP', latencyMs: 40 * i, at: now + i }),
        dueAt: now,
        errorCode: 'E_TEMP',
        errorMessage: 'try again',
        at: now + i,
      });
    }
    for (const [i, job] of failed.entries()) {
      await store.outbox.fail(job, {
        attempt: i === 0 ? null : attempt(job.messageId, { status: 'failed', errorCode: '30007', at: now + i }),
        errorCode: '30007',
        errorMessage: 'rejected',
        at: now + i,
      });
    }
    // Late provider callbacks on claimed messages (a stale claim; the error code a number, as
    // Twilio's are, kept as text everywhere): their batch must count the
    // messages from what they are when it writes, not from what they were when claimed.
    for (const job of rest.slice(0, 3)) {
      await store.status.applyProviderStatus({
        messageId: job.messageId,
        status: 'failed',
        errorCode: '30003',
        at: now,
      });
    }
    const again = await store.outbox.claim(now + 1, 100, 60_000, 'w2');
    expect(again.map((j) => j.messageId).sort()).toEqual(retried.map((j) => j.messageId).sort());
    const outcomes = ['delivered', 'sent', 'read', 'delivered', 'undelivered'] as const;
    const complete = (job: ClaimedJob, i: number) =>
      store.outbox.complete(job, {
        attempt: attempt(job.messageId, {
          channel: i % 4 === 0 ? 'sms' : job.message.channel,
          connectorId: i % 3 === 0 ? 'con_b' : 'con_a',
          connectorType: i % 3 === 0 ? 'vonage' : 'twilio',
          providerMessageId: `SM${i}`,
          status: outcomes[i % outcomes.length]!,
          latencyMs: i % 8 === 0 ? null : 3 + i * 97.3,
          at: now + HOUR + i * 1000,
        }),
        status: outcomes[i % outcomes.length]!,
        at: now + (i % 2 === 0 ? 1500 * i : DAY),
        ...(i % 9 === 0 ? { fallbackAt: now + 2 * DAY } : {}),
      });
    await Promise.all([...rest.map(complete), ...again.map((job, i) => complete(job, i + 100))]);

    // A write no API makes, by hand: the failed message moved on with its numeric error code (its
    // state before the update handed through SQLite's \`message_writes\` as it was).
    await write(opened.location, "UPDATE messages SET status = 'undelivered', error_code = '30008' WHERE id = @id", {
      id: failed[1]!.messageId,
    });

    const expected = recount(await rows(opened.location, 'messages'), await rows(opened.location, 'message_attempts'));
    expect(expected.connectors).not.toEqual({});
    expect(
      await table(opened, 'message_stats_hourly', ['project_id', 'hour', 'key_id', 'channel', 'status'], metrics),
    ).toEqual(expected.hourly);
    expect(
      await table(
        opened,
        'message_stats_daily',
        ['project_id', 'day', 'channel', 'status', ...dims, 'error_code'],
        metrics,
      ),
    ).toEqual(expected.daily);
    expect(
      await table(opened, 'delivery_times_hourly', ['project_id', 'hour', 'channel', 'bucket'], ['messages']),
    ).toEqual(expected.deliveryHourly);
    expect(
      await table(opened, 'delivery_times_daily', ['project_id', 'day', 'channel', ...dims, 'bucket'], ['messages']),
    ).toEqual(expected.deliveryDaily);
    expect(
      await table(
        opened,
        'connector_stats_hourly',
        ['project_id', 'hour', 'connector_id', 'connector_type', 'channel'],
        ['attempts', 'successes', 'retries', 'timed', ...latencyColumns],
      ),
    ).toEqual(expected.connectors);
    // SQLite's working tables hold nothing once a write committed.
    if (backend.name === 'sqlite') {
      for (const table of SQLITE_WORK_TABLES) expect(await rows(opened.location, table), table).toEqual([]);
    }
  });
});
