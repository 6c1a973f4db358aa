import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimedJob, Store, StatsRange } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from './backends.js';
import { attempt, message, project } from './fixtures.js';

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
