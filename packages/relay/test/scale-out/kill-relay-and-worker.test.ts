import fs from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startCountingProvider, type CountingProvider, type Delivery } from '../helpers/counting-provider.js';
import { freshDatabase, postgresAvailable, testDatabaseUrl } from '../helpers/postgres.js';
import { flushPrefix, redisAvailable, testClient, testPrefix, testRedisUrl } from '../helpers/redis.js';
import { cluster, postMessage, sleep, until } from '../helpers/scale-out.js';
import { tempDir } from '../helpers/start-relay.js';

/**
 * Issue 13: three relays (`start --no-worker`) and two workers on one PostgreSQL and one Redis;
 * 5,000 messages sent across the relays; one relay and one worker killed with SIGKILL mid-run,
 * then started again. Every accepted message is delivered; a message is delivered twice only if
 * the killed worker had sent it.
 *
 * Each worker process sends to a receiver of its own (`MESSAGEJS_CONNECTOR_BASE_URLS` rebases
 * the webhook connector's URL per process), so the test knows which process sent what, and when.
 *
 * The bound on duplicates: a message is sent twice only when the killed worker had sent it to the
 * provider but not yet committed the outcome, so its lease expired and another worker took it.
 * The killed worker runs at most C = MESSAGEJS_WORKER_CONCURRENCY provider calls at once (its
 * slots); a slot is freed when the provider answers and the outcome's UPDATE commits a few ms
 * later. Sent-not-committed rows are the C open calls plus the records still pending (a few under
 * load): the test asserts at most 2 C (see the measurements below), and that every duplicate's
 * first delivery is the killed worker's, from before the kill.
 */

const [postgresUp, redisUp] = await Promise.all([postgresAvailable(), redisAvailable()]);
const skip = !postgresUp
  ? `PostgreSQL at ${testDatabaseUrl} does not answer`
  : !redisUp
    ? `Redis at ${testRedisUrl} does not answer`
    : null;
if (skip) console.warn(`scale-out: relays and workers killed mid-run: skipped (${skip}).`);

const MESSAGES = 5000;
const SENDERS = 24;
const CONCURRENCY = 8;
const KILL_AFTER = 1500;

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe.skipIf(skip !== null)('scale-out: 3 relays, 2 workers, one of each killed mid-run', () => {
  it('delivers every accepted message; duplicates only for the killed worker’s messages in flight, at most its concurrency', async () => {
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const prefix = testPrefix();
    cleanups.push(() => flushPrefix(testClient(), prefix));
    // Receivers: of worker 0 (killed), worker 1, and worker 0 once restarted.
    const receivers: CountingProvider[] = [];
    for (let i = 0; i < 3; i++) receivers.push(await startCountingProvider(50));
    cleanups.push(() => Promise.all(receivers.map((r) => r.close())).then(() => {}));
    const c = cluster(root, {
      MESSAGEJS_DATABASE_URL: db.url,
      MESSAGEJS_REDIS_URL: testRedisUrl,
      MESSAGEJS_REDIS_KEY_PREFIX: prefix,
      MESSAGEJS_LEASE_MS: '2000',
      MESSAGEJS_WORKER_CONCURRENCY: String(CONCURRENCY),
      MESSAGEJS_DATABASE_POOL_MAX: '8',
    });
    cleanups.push(() => c.stopAll());
    const { projectId, secretKey } = await c.init();
    await c.addWebhook(projectId, 'http://receiver.invalid/hook');
    await c.run([
      'limits',
      'set',
      '--project',
      projectId,
      '--per-key-per-hour',
      '1000000',
      '--per-ip-per-minute',
      '1000000',
      '--per-project-per-day',
      '1000000',
    ]);
    const viaReceiver = (r: CountingProvider) => ({
      MESSAGEJS_CONNECTOR_BASE_URLS: JSON.stringify({ webhook: r.url }),
    });
    const relays = await Promise.all(['relay-0', 'relay-1', 'relay-2'].map((name) => c.startRelay(name)));
    const workers = await Promise.all([0, 1].map((i) => c.startWorker(`worker-${i}`, viaReceiver(receivers[i]!))));

    const urls = relays.map((r) => r.url as string | null);
    const accepted = new Map<number, string>();
    const answers = new Map<number, number>();
    let next = 0;
    let turn = 0;
    const sendOne = async (i: number) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const live = urls.filter((u): u is string => u !== null);
        const url = live[turn++ % live.length]!;
        const res = await postMessage(url, secretKey, i, { 'idempotency-key': `scale-out-${i}` }).catch(() => null);
        if (res) answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
        if (res?.status === 202) {
          accepted.set(i, res.body.id as string);
          return;
        }
        // Only a dead relay (no answer), a database or lock in a hurry may refuse: never a 500.
        if (res) expect([503, 409], JSON.stringify(res.body)).toContain(res.status);
        if (Date.now() > deadline) throw new Error(`message ${i} never accepted`);
        await sleep(50);
      }
    };
    const senders = Array.from({ length: SENDERS }, async () => {
      while (next < MESSAGES) await sendOne(next++);
    });

    await until(() => (accepted.size >= KILL_AFTER ? true : undefined), `${KILL_AFTER} accepted`, 40_000);
    const killedAt = Date.now();
    urls[1] = null;
    await Promise.all([relays[1]!.proc.stop('SIGKILL'), workers[0]!.proc.stop('SIGKILL')]);
    const killed = receivers[0]!.deliveries.slice();
    await sleep(500);
    const [relay1, worker0] = await Promise.all([
      c.startRelay('relay-1'),
      c.startWorker('worker-0', viaReceiver(receivers[2]!)),
    ]);
    urls[1] = relay1.url;
    await Promise.all(senders);
    expect(accepted.size).toBe(MESSAGES);

    const ids = new Set(accepted.values());
    const all = () => receivers.flatMap((r) => r.deliveries);
    await until(
      () => (new Set(all().map((d) => d.id)).size >= ids.size ? true : undefined),
      'every accepted message delivered',
      45_000,
    );
    await until(async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM messages WHERE status <> 'sent'",
      );
      return rows[0]!.n === 0 ? true : undefined;
    }, 'every message recorded as sent');
    // Nothing lost, nothing made twice: one row per message (retries carried its Idempotency-Key).
    const { rows } = await db.pool.query<{ id: string }>('SELECT id FROM messages');
    expect(new Set(rows.map((r) => r.id))).toEqual(ids);
    expect((await db.pool.query('SELECT 1 FROM outbox')).rowCount).toBe(0);

    const byId = new Map<string, Delivery[]>();
    for (const d of all()) byId.set(d.id, [...(byId.get(d.id) ?? []), d]);
    expect([...byId.keys()].filter((id) => !ids.has(id))).toEqual([]);
    const twice = [...byId].filter(([, ds]) => ds.length > 1);
    // Every duplicate was sent first by the killed worker, before the kill, and once more after it.
    const killedIds = new Set(killed.map((d) => d.id));
    const receiverOf = new Map(receivers.flatMap((r, k) => r.deliveries.map((d) => [d, k] as const)));
    for (const [id, ds] of twice) {
      // Which receiver (0: the killed worker's), received and answered when (ms from the kill).
      const where = JSON.stringify(
        ds.map((d) => [receiverOf.get(d), d.receivedAt - killedAt, d.answeredAt && d.answeredAt - killedAt]),
      );
      expect(ds.length, `${id} ${where}`).toBe(2);
      expect(killedIds.has(id), `${id} ${where}`).toBe(true);
      expect(receivers[0]!.deliveries.filter((d) => d.id === id)).toHaveLength(1);
    }
    const openAtKill = killed.filter((d) => d.answeredAt === null || d.answeredAt > killedAt).length;
    console.info(
      `scale-out: ${MESSAGES} accepted (answers ${JSON.stringify(Object.fromEntries(answers))}), ` +
        `${all().length} deliveries; the killed worker had sent ${killed.length}, ${openAtKill} unanswered at the kill; ` +
        `${twice.length} delivered twice (bound 2 x ${CONCURRENCY})`,
    );
    // Measured here (load average 8-11 on 2 cores): 5 of 5 and 10 of 7 unanswered + 3 answered
    // but not yet committed. A slot is freed when the provider answers, before the record commits,
    // so the killed worker's sent-not-committed rows are its C open calls plus the records still
    // pending: not strictly bounded by C under load. Asserted: at most 2 C.
    expect(twice.length).toBeLessThanOrEqual(2 * CONCURRENCY);
    for (const p of [...relays, relay1, ...workers, worker0]) {
      expect(p.proc.output()).not.toMatch(/internal_error|unhandled|uncaught/i);
    }
  }, 120_000);
});
