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
  await opened.store.analytics.settle();
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

/** Every rollup table of `opened` holds what `expected` (a recount) says. */
async function expectCounted(opened: OpenedStore, expected: ReturnType<typeof recount>) {
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
}

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
    // varied and some left empty. Half are settled in the rollups before anything else happens to
    // them (SQLite folds them in: migration 019), so the writes below move counted messages and
    // uncounted ones alike.
    const send = (i: number) =>
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
      });
    const indexes = Array.from({ length: 48 }, (_, i) => i);
    await Promise.all(indexes.filter((i) => i % 2 === 0).map(send));
    await Promise.all(indexes.filter((i) => i % 2 === 1).map(send));
    // The first day's: the others are the young ones a settle leaves (SQLite: the fold's mark
    // stops before the first of them).
    await store.analytics.settle(T + DAY);
    if (backend.name === 'sqlite') {
      expect(await rows(opened.location, 'rollup_marks')).toEqual([
        { source: 'messages', mark: 24 },
        { source: 'message_attempts', mark: 0 },
      ]);
    }
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
    await expectCounted(opened, expected);
    // SQLite's working tables hold nothing once a write committed.
    if (backend.name === 'sqlite') {
      for (const table of SQLITE_WORK_TABLES) expect(await rows(opened.location, table), table).toEqual([]);
    }
  });
  it('count messages deleted before they were counted, and the messages written after them', async () => {
    const send = (i: number, at: number) =>
      store.messages.enqueue({
        message: message(`msg_d${String(i).padStart(2, '0')}`, {
          createdAt: at,
          channel: i % 2 === 0 ? 'whatsapp' : 'sms',
          segments: 1 + (i % 2),
          costEur: 0.01 * i,
        }),
        dueAt: T,
      });
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => send(i, T + i)));
    await store.analytics.settle();
    await Promise.all([6, 7, 8, 9].map((i) => send(i, T + i)));
    const jobs = await store.outbox.claim(T + HOUR, 100, 60_000, 'w1');
    expect(jobs).toHaveLength(10);
    await Promise.all(
      jobs.map((job, i) =>
        store.outbox.complete(job, {
          attempt: attempt(job.messageId, { latencyMs: 20 * i, at: T + HOUR + i }),
          status: i % 3 === 0 ? 'sent' : 'delivered',
          at: T + HOUR + i,
        }),
      ),
    );
    const before = {
      messages: await rows(opened.location, 'messages'),
      attempts: await rows(opened.location, 'message_attempts'),
    };
    // The newest messages, with their attempts, deleted before anything counted them (by hand:
    // retention keeps messages this new), then new ones written: SQLite may give them the deleted
    // rows' rowids, which the fold must not take for counted ones. The rollups outlive messages.
    await write(opened.location, "DELETE FROM message_attempts WHERE message_id IN ('msg_d08', 'msg_d09')");
    await write(opened.location, "DELETE FROM messages WHERE id IN ('msg_d08', 'msg_d09')");
    await Promise.all([10, 11, 12].map((i) => send(i, T + DAY + i)));
    // Their attempts may take the deleted attempts' ids too.
    for (const job of await store.outbox.claim(T + DAY + HOUR, 100, 60_000, 'w2')) {
      await store.outbox.complete(job, {
        attempt: attempt(job.messageId, { latencyMs: 700, at: T + DAY + HOUR }),
        status: 'delivered',
        at: T + DAY + HOUR,
      });
    }
    const known = new Set(before.messages.map((m) => m.id));
    const added = (await rows(opened.location, 'messages')).filter((m) => !known.has(m.id));
    expect(added.map((m) => [m.id, m.status])).toEqual([
      ['msg_d10', 'delivered'],
      ['msg_d11', 'delivered'],
      ['msg_d12', 'delivered'],
    ]);
    const addedAttempts = (await rows(opened.location, 'message_attempts')).filter((a) => !known.has(a.message_id));
    expect(addedAttempts).toHaveLength(3);
    await expectCounted(opened, recount([...before.messages, ...added], [...before.attempts, ...addedAttempts]));
  });
});
