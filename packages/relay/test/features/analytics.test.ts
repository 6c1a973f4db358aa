import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/store/types.js';
import { call, DEMO_ORIGIN, startRelay, waitForMessage } from '../helpers/start-relay.js';
import { rows } from '../helpers/store-snapshot.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';
import { messageRecord } from '../helpers/store-records.js';
import { printedCodes, waitForCode, wrongCode } from '../helpers/verify.js';

let t: Awaited<ReturnType<typeof startAccountsRelay>>;
let owner: Tokens;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The seeded messages' first day (UTC), at 08:00. */
const T0 = Date.parse('2026-06-01T08:00:00Z');
const JUNE = 'from=2026-06-01T00:00:00Z&to=2026-06-03T00:00:00Z';

/** Stores `m` as a relay would, due a year from now: the worker leaves it as it is. */
async function seed(id: string, at: number, fields: Partial<Message>): Promise<void> {
  const m = messageRecord(`msg_${id.padEnd(29, '0')}`, t.demo.projectId, 'key_seed', {
    createdAt: at,
    updatedAt: at,
    ...fields,
  });
  await t.relay.store.messages.enqueue({ message: m, dueAt: t.clock.now + 365 * DAY });
}
const report = (id: string, status: Message['status'], at: number, errorCode: string | null = null) =>
  t.relay.store.status.applyProviderStatus({ messageId: `msg_${id.padEnd(29, '0')}`, status, errorCode, at });

const analytics = (report: string, query = '', key = t.demo.secretKey, headers: Record<string, string> = {}) =>
  call(t, 'GET', `/v1/analytics/${report}${query}`, { key, headers });

beforeAll(async () => {
  t = await startAccountsRelay();
  t.clock.now = T0 + 30 * DAY;
  owner = await setUpOwner(t);
  const cost = { costEur: 0.05, costMad: 0.55, segments: 2 };
  await seed('a', T0, { ...cost, status: 'sent' });
  await seed('b', T0 + 60_000, { ...cost, status: 'sent', operator: 'Orange Maroc' });
  await seed('c', T0 + 2 * HOUR, { status: 'sent', channel: 'whatsapp', country: 'FR', to: '+33612345678' });
  await seed('d', T0 + 2 * HOUR + 1, { status: 'sent', template: 'order_update' });
  await seed('e', T0 + DAY, { status: 'queued', template: 'order_update' });
  // Delivered 1.5 s and 40 s after they were accepted; the others failed as their providers reported.
  expect(await report('a', 'delivered', T0 + 1500)).toBe(true);
  expect(await report('b', 'delivered', T0 + 60_000 + 40_000)).toBe(true);
  expect(await report('c', 'failed', T0 + 3 * HOUR, 'invalid_recipient')).toBe(true);
  expect(await report('d', 'undelivered', T0 + 3 * HOUR, '30003')).toBe(true);
});
afterAll(() => t.cleanup());

describe('GET /v1/analytics/messages', () => {
  it('sums a range per day: statuses, delivery rate, median time to delivered, segments, cost, failure codes', async () => {
    const res = await analytics('messages', `?groupBy=day&${JUNE}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      projectId: t.demo.projectId,
      groupBy: 'day',
      from: '2026-06-01T00:00:00.000Z',
      to: '2026-06-03T00:00:00.000Z',
    });
    expect(res.body.totals).toMatchObject({
      messages: 5,
      statuses: { delivered: 2, failed: 1, undelivered: 1, queued: 1 },
      delivered: 2,
      failed: 2,
      deliveryRate: 0.5,
      segments: 2 + 2 + 1 + 1 + 1,
      cost: { eur: 0.1, mad: 1.1 },
    });
    // 1.5 s and 40 s: the median lies in the 1–2 s bucket (interpolated), below 2 s.
    expect(res.body.totals.medianTimeToDeliveredMs).toBeGreaterThanOrEqual(1000);
    expect(res.body.totals.medianTimeToDeliveredMs).toBeLessThanOrEqual(2000);
    expect(res.body.groups.map((g: { key: string; messages: number }) => [g.key, g.messages])).toEqual([
      ['2026-06-01', 4],
      ['2026-06-02', 1],
    ]);
    expect(res.body.groups[1]).toMatchObject({
      statuses: { queued: 1 },
      deliveryRate: null,
      medianTimeToDeliveredMs: null,
    });
    expect(res.body.topFailureCodes).toEqual([
      { code: '30003', messages: 1, meaning: expect.stringContaining('unreachable') },
      { code: 'invalid_recipient', messages: 1, meaning: expect.stringContaining('recipient') },
    ]);
  });

  it('groups by hour, channel, status, country, operator, connector and template', async () => {
    const keys = async (groupBy: string) => {
      const res = await analytics('messages', `?groupBy=${groupBy}&${JUNE}`);
      expect(res.status).toBe(200);
      return res.body.groups.map((g: { key: string | null; messages: number }) => [g.key, g.messages]);
    };
    expect(await keys('hour')).toEqual([
      ['2026-06-01T08:00:00Z', 2],
      ['2026-06-01T10:00:00Z', 2],
      ['2026-06-02T08:00:00Z', 1],
    ]);
    expect(await keys('channel')).toEqual([
      ['sms', 4],
      ['whatsapp', 1],
    ]);
    expect(await keys('status')).toEqual([
      ['delivered', 2],
      ['failed', 1],
      ['queued', 1],
      ['undelivered', 1],
    ]);
    expect(await keys('country')).toEqual([
      ['FR', 1],
      ['MA', 4],
    ]);
    expect(await keys('operator')).toEqual([
      [null, 4],
      ['Orange Maroc', 1],
    ]);
    // Stored as accepted, never handed to a connector.
    expect(await keys('connector')).toEqual([[null, 5]]);
    expect(await keys('template')).toEqual([
      [null, 3],
      ['order_update', 2],
    ]);
  });

  it('counts a message sent through the API once it is delivered, under its connector', async () => {
    const sent = await call(t, 'POST', '/v1/messages', {
      key: t.demo.secretKey,
      body: { to: '+212611111111', text: 'counted', channel: 'sms' },
    });
    expect(sent.status).toBe(202);
    await waitForMessage(t, sent.body.id, (m) => m.status === 'delivered');
    const today = new Date(t.clock.now).toISOString().slice(0, 10);
    const res = await analytics('messages', `?groupBy=connector&from=${today}T00:00:00Z`);
    expect(res.status).toBe(200);
    expect(res.body.totals).toMatchObject({ messages: 1, statuses: { delivered: 1 }, deliveryRate: 1 });
    expect(res.body.groups[0].key).toMatch(/^con_/);

    const connectors = await analytics('connectors', `?from=${today}T00:00:00Z`);
    expect(connectors.status).toBe(200);
    expect(connectors.body.connectors).toEqual([
      expect.objectContaining({
        connectorId: res.body.groups[0].key,
        type: 'console',
        channel: 'sms',
        attempts: 1,
        successes: 1,
        failures: 0,
        successRate: 1,
        retries: 0,
        circuit: 'closed',
      }),
    ]);
    // The worker timed the console connector's answer.
    expect(connectors.body.connectors[0].latencyMs).toEqual({ p50: expect.any(Number), p95: expect.any(Number) });
    const usage = await analytics('usage', `?from=${today}T00:00:00Z`);
    expect(usage.status).toBe(200);
    expect(usage.body.totals).toMatchObject({ messages: 1, segments: 1 });
    expect(usage.body.days).toEqual([
      expect.objectContaining({ day: today, messages: 1, keys: [expect.objectContaining({ messages: 1 })] }),
    ]);
  });

  it('answers members of the project, and refuses public keys', async () => {
    const viewer = await addMember(t, owner, { email: 'analyst@example.com', role: 'viewer' });
    const res = await analytics('messages', `?${JUNE}&projectId=${t.demo.projectId}`, viewer.accessToken);
    expect(res.status).toBe(200);
    expect(res.body.totals.messages).toBe(5);
    const byHeader = await analytics('usage', `?${JUNE}`, owner.accessToken, { 'messagejs-project': t.demo.projectId });
    expect(byHeader.status).toBe(200);
    const pub = await call(t, 'GET', '/v1/analytics/messages', { key: t.demo.publicKey, origin: DEMO_ORIGIN });
    expect(pub.status).toBe(403);
    expect(pub.body.error.code).toBe('forbidden');
  });

  it('refuses bad input with the field at fault', async () => {
    const bad = async (report: string, query: string, field: string, code = 'validation_failed', status = 400) => {
      const res = await analytics(report, query);
      expect(res.status, query).toBe(status);
      expect(res.body.error, query).toMatchObject({ code, field });
    };
    await bad('messages', '?groupBy=week', 'groupBy');
    await bad('messages', '?granularity=day', 'granularity');
    await bad('messages', '?from=yesterday', 'from');
    await bad('messages', '?from=2026-06-03T00:00:00Z&to=2026-06-01T00:00:00Z', 'to');
    await bad('messages', '?from=2025-01-01T00:00:00Z&to=2026-06-01T00:00:00Z', 'to');
    await bad('messages', '?groupBy=hour&from=2026-04-01T00:00:00Z&to=2026-06-01T00:00:00Z', 'to');
    await bad('messages', '?from=2020-01-01T00:00:00Z', 'from');
    await bad('usage', '?projectId=prj_someone_else', 'projectId', 'project_not_found', 404);
    await bad('connectors', '?limit=5', 'limit');
    await bad('verify', '?to=2026-13-01T00:00:00Z', 'to');
  });
});

describe('GET /v1/analytics/verify', () => {
  it('counts verifications started, codes sent, checks and conversion per country', async () => {
    const today = new Date(t.clock.now).toISOString().slice(0, 10);
    const start = async (to: string) => {
      const res = await call(t, 'POST', '/v1/verify/send', { key: t.demo.secretKey, body: { to, channel: 'sms' } });
      expect(res.status).toBe(202);
      return res.body.sessionId as string;
    };
    const check = (sessionId: string, code: string) =>
      call(t, 'POST', '/v1/verify/check', { key: t.demo.secretKey, body: { sessionId, code } });
    const before = printedCodes(t).length;
    const one = await start('+212612000001');
    const code = await waitForCode(t, before + 1);
    expect((await check(one, wrongCode(code))).status).toBe(200);
    expect((await check(one, code)).body).toMatchObject({ status: 'approved' });
    await start('+212612000002');

    const res = await analytics('verify', `?from=${today}T00:00:00Z`);
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({ sessions: 2, sends: 2, checks: 2, verified: 1, conversionRate: 0.5 });
    expect(res.body.countries).toEqual([
      { country: 'MA', sessions: 2, sends: 2, checks: 2, verified: 1, conversionRate: 0.5 },
    ]);
  });
});

describe('the worker’s settling of the rollups', () => {
  it('counts what was sent and delivered in the background, with no read of the analytics', async () => {
    // Every 50 ms, whatever the messages' age (SQLite folds them then; PostgreSQL counted them as written).
    const relay = await startRelay({ deps: { worker: { pollMs: 20, settle: { everyMs: 50, lagMs: 0 } } } });
    try {
      const sent = await call(relay, 'POST', '/v1/messages', {
        key: relay.demo.secretKey,
        body: { to: '+212611111112', text: 'settled', channel: 'sms' },
      });
      expect(sent.status).toBe(202);
      await waitForMessage(relay, sent.body.id, (m) => m.status === 'delivered');
      const counted = async () => {
        const hourly = await rows<{ status: string; messages: number }>(relay.location, 'message_stats_hourly');
        const connectors = await rows<{ attempts: number }>(relay.location, 'connector_stats_hourly');
        return {
          delivered: hourly.filter((r) => r.status === 'delivered').reduce((n, r) => n + Number(r.messages), 0),
          queued: hourly.filter((r) => r.status === 'queued').reduce((n, r) => n + Number(r.messages), 0),
          attempts: connectors.reduce((n, r) => n + Number(r.attempts), 0),
        };
      };
      await expect.poll(counted, { timeout: 5000 }).toEqual({ delivered: 1, queued: 0, attempts: 1 });
    } finally {
      await relay.cleanup();
    }
  });
});
