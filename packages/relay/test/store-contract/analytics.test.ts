import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimedJob, Store, StatsRange } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { attempt, message, project } from './fixtures.js';
import { rows } from '../helpers/store-snapshot.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A day's start (UTC), and a range of two days from it. */
const T = Date.parse('2026-06-01T00:00:00Z');
const range: StatsRange = { projectId: project.id, from: T, to: T + 2 * DAY };

describe.each(backends)('analytics rollups ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  const claim = async (now: number): Promise<ClaimedJob> => {
    const [job] = await store.outbox.claim(now, 1, 30_000, 'w1');
    return job!;
  };
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
  });
  afterEach(() => opened?.dispose());

  it('counts each message once, under its current status, as it is accepted, sent, delivered or failed', async () => {
    const base = { costEur: 0.0075, costMad: 0.08, segments: 2 };
    await store.messages.enqueue({ message: message('msg_a', { ...base, createdAt: T + HOUR }), dueAt: T + HOUR });
    await store.messages.enqueue({
      message: message('msg_b', { ...base, createdAt: T + HOUR + 5, country: 'FR', channel: 'whatsapp' }),
      dueAt: T + HOUR + 5,
    });
    await store.messages.enqueue({
      message: message('msg_c', { createdAt: T + DAY + 1, keyId: 'key_other', template: 'otp' }),
      dueAt: T + DAY + 1,
    });

    // a: sent by twilio in 120 ms, then delivered 4 s after it was created.
    const a = await claim(T + HOUR);
    await store.outbox.complete(a, {
      attempt: attempt('msg_a', { at: T + HOUR + 100, latencyMs: 119.6 }),
      status: 'sent',
      at: T + HOUR + 100,
    });
    expect(
      await store.status.applyProviderStatus({
        messageId: 'msg_a',
        status: 'delivered',
        errorCode: null,
        at: T + HOUR + 4000,
      }),
    ).toBe(true);
    // b: a provider failure, retried, then failed for good.
    const b = await claim(T + HOUR + 5);
    await store.outbox.retry(b, {
      attempt: attempt('msg_b', { status: 'failed', errorCode: '30003', latencyMs: 40, at: T + HOUR + 10 }),
      dueAt: T + HOUR + 20,
      errorCode: 'provider_unavailable',
      errorMessage: 'down',
      at: T + HOUR + 10,
    });
    const b2 = await claim(T + HOUR + 20);
    await store.outbox.fail(b2, {
      attempt: attempt('msg_b', { status: 'failed', errorCode: '30003', latencyMs: 6000, at: T + HOUR + 30 }),
      errorCode: 'invalid_recipient',
      errorMessage: 'no such number',
      at: T + HOUR + 30,
    });

    const byStatus = await store.analytics.messageStats(range, 'status');
    expect(byStatus).toEqual([
      { group: 'delivered', status: 'delivered', messages: 1, segments: 2, costEurMicros: 7500, costMadMicros: 80_000 },
      { group: 'failed', status: 'failed', messages: 1, segments: 2, costEurMicros: 7500, costMadMicros: 80_000 },
      { group: 'queued', status: 'queued', messages: 1, segments: 1, costEurMicros: 0, costMadMicros: 0 },
    ]);
    const byDay = await store.analytics.messageStats(range, 'day');
    expect(byDay.map((r) => [r.group, r.status, r.messages])).toEqual([
      [T, 'delivered', 1],
      [T, 'failed', 1],
      [T + DAY, 'queued', 1],
    ]);
    const byHour = await store.analytics.messageStats({ ...range, from: T + HOUR, to: T + 2 * HOUR }, 'hour');
    expect(byHour.map((r) => [r.group, r.status, r.messages])).toEqual([
      [T + HOUR, 'delivered', 1],
      [T + HOUR, 'failed', 1],
    ]);
    const byCountry = await store.analytics.messageStats(range, 'country');
    expect(byCountry.map((r) => [r.group, r.status, r.messages])).toEqual([
      ['FR', 'failed', 1],
      ['MA', 'delivered', 1],
      ['MA', 'queued', 1],
    ]);
    const byTemplate = await store.analytics.messageStats(range, 'template');
    expect(byTemplate.map((r) => [r.group, r.messages])).toEqual([
      ['', 1],
      ['', 1],
      ['otp', 1],
    ]);
    // The range excludes what lies outside it.
    expect(await store.analytics.messageStats({ ...range, from: T + DAY }, 'status')).toEqual([
      { group: 'queued', status: 'queued', messages: 1, segments: 1, costEurMicros: 0, costMadMicros: 0 },
    ]);

    // Delivered 4 s after creation: the 2–5 s bucket (index 2).
    expect(await store.analytics.deliveryTimes(range, 'channel')).toEqual([{ group: 'sms', bucket: 2, messages: 1 }]);
    expect(await store.analytics.failureCodes(range, 10)).toEqual([{ code: 'invalid_recipient', messages: 1 }]);

    const connectors = await store.analytics.connectorStats(range);
    expect(connectors).toEqual([
      {
        connectorId: 'con_a',
        connectorType: 'twilio',
        channel: 'sms',
        attempts: 3,
        successes: 1,
        retries: 1,
        timed: 3,
        // 40 ms (< 50), 119.6 ms (stored as 120: 100–200), 6,000 ms (5–10 s).
        latency: [1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
      },
    ]);

    const usage = await store.analytics.usage(range);
    expect(usage.map((r) => [r.day, r.keyId, r.channel, r.messages, r.segments])).toEqual([
      [T, 'key_unit', 'sms', 1, 2],
      [T, 'key_unit', 'whatsapp', 1, 2],
      [T + DAY, 'key_other', 'sms', 1, 1],
    ]);
  });

  it('reads another project’s counters as empty', async () => {
    await store.messages.enqueue({ message: message('msg_a', { createdAt: T }), dueAt: T + 365 * DAY });
    const other = { ...range, projectId: 'prj_other' };
    expect(await store.analytics.messageStats(other, 'day')).toEqual([]);
    expect(await store.analytics.connectorStats(other)).toEqual([]);
    expect(await store.analytics.verifyStats(other)).toEqual([]);
    expect((await store.analytics.messageStats(range, 'day')).map((r) => r.messages)).toEqual([1]);
  });
});

describe.each(backends)('analytics rollups of batched writes ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
  });
  afterEach(() => opened?.dispose());

  /** Sums of a rollup table by its columns `by`, shards added up, rows of nothing left out. */
  async function summed(table: string, by: string[], figures: string[]) {
    await store.analytics.settle();
    const sums = new Map<string, Record<string, number>>();
    for (const row of await rows(opened.location, table)) {
      const key = by.map((c) => String(row[c])).join('|');
      const entry = sums.get(key) ?? Object.fromEntries(figures.map((f) => [f, 0]));
      for (const f of figures) entry[f] = (entry[f] ?? 0) + Number(row[f]);
      sums.set(key, entry);
    }
    for (const [key, entry] of sums) if (figures.every((f) => entry[f] === 0)) sums.delete(key);
    return Object.fromEntries([...sums].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  it('count what many sends and deliveries at once wrote exactly as the messages are', async () => {
    // 60 sends at once (group-committed in batches), over two hours, two channels, three keys.
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        store.messages.enqueue({
          message: message(`msg_b${String(i).padStart(2, '0')}`, {
            createdAt: T + (i % 2) * HOUR + i,
            channel: i % 3 === 0 ? 'whatsapp' : 'sms',
            keyId: `key_${i % 3}`,
            segments: 1 + (i % 2),
            costEur: 0.01 * (i % 4),
          }),
          dueAt: T,
        }),
      ),
    );
    // Claimed, then completed at once: most delivered, some only sent, some through another connector.
    const jobs = await store.outbox.claim(T + 2 * HOUR, 100, 60_000, 'w1');
    expect(jobs).toHaveLength(60);
    await Promise.all(
      jobs.map((job, i) =>
        store.outbox.complete(job, {
          attempt: attempt(job.messageId, {
            channel: job.message.channel,
            connectorId: i % 5 === 0 ? 'con_b' : 'con_a',
            latencyMs: 10 + i * 7,
            at: T + 2 * HOUR + i,
          }),
          status: i % 4 === 0 ? 'sent' : 'delivered',
          at: T + 2 * HOUR + i,
        }),
      ),
    );
    const messages = await rows(opened.location, 'messages');
    // What the rollups must hold: the messages counted afresh, under their current state.
    const expected = new Map<string, number>();
    for (const m of messages) {
      const key = [
        m.project_id,
        Number(m.created_at) - (Number(m.created_at) % HOUR),
        m.key_id,
        m.channel,
        m.status,
      ].join('|');
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const hourly = await summed(
      'message_stats_hourly',
      ['project_id', 'hour', 'key_id', 'channel', 'status'],
      ['messages'],
    );
    expect(Object.fromEntries(Object.entries(hourly).map(([k, v]) => [k, v.messages]))).toEqual(
      Object.fromEntries([...expected].sort(([a], [b]) => (a < b ? -1 : 1))),
    );
    const daily = await summed('message_stats_daily', ['status'], ['messages', 'segments']);
    expect(daily).toEqual({
      delivered: {
        messages: 45,
        segments: messages.filter((m) => m.status === 'delivered').reduce((s, m) => s + Number(m.segments), 0),
      },
      sent: {
        messages: 15,
        segments: messages.filter((m) => m.status === 'sent').reduce((s, m) => s + Number(m.segments), 0),
      },
    });
    expect(await summed('delivery_times_hourly', ['project_id'], ['messages'])).toEqual({
      [project.id]: { messages: 45 },
    });
    const connectors = await summed('connector_stats_hourly', ['connector_id'], ['attempts', 'successes', 'timed']);
    expect(connectors).toEqual({
      con_a: { attempts: 48, successes: 48, timed: 48 },
      con_b: { attempts: 12, successes: 12, timed: 12 },
    });
  });
});
