import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMessagesRepo } from '../../src/store/postgres/messages.js';
import { createOutboxRepo } from '../../src/store/postgres/outbox.js';
import { createWorkListener, type WorkListener } from '../../src/store/postgres/work-listener.js';
import type { MessagesRepo, OutboxRepo } from '../../src/store/types/index.js';
import { freshDatabase, postgresAvailable } from '../helpers/postgres.js';
import { at, attempt, message, project } from './fixtures.js';

const available = await postgresAvailable();
if (!available)
  console.warn('PostgreSQL LISTEN/NOTIFY tests skipped: no PostgreSQL server answers (MESSAGEJS_TEST_DATABASE_URL).');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The outbox's NOTIFY and the LISTEN connection behind `store.onWork`: the repositories write
 * through one pool (a relay), the listener is another process's (a worker).
 */
describe.runIf(available)('outbox work notifications (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let messages: MessagesRepo;
  let outbox: OutboxRepo;
  let listener: WorkListener;
  let calls: number;
  /** Resolves once the listener has been called `n` times in all (fails after 5 s). */
  const called = async (n: number) => {
    for (let waited = 0; calls < n; waited += 10) {
      if (waited > 5000) throw new Error(`the listener was called ${calls} times, not ${n}`);
      await sleep(10);
    }
    // Anything more that was coming arrives meanwhile.
    await sleep(100);
    return calls;
  };
  beforeEach(async () => {
    database = await freshDatabase();
    await database.db.query(`INSERT INTO projects (id, name, limits, created_at) VALUES ($1, $2, '{}', $3)`, [
      project.id,
      project.name,
      at,
    ]);
    messages = createMessagesRepo(database.db);
    outbox = createOutboxRepo(database.db);
    listener = createWorkListener(database.url, { minDelayMs: 50 });
    calls = 0;
    listener.subscribe(() => calls++);
    // LISTEN runs once the connection is up: wait for it.
    for (let i = 0; i < 100; i++) {
      const { rows } = await database.db.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN messagejs_outbox'",
      );
      if (rows.length > 0) break;
      await sleep(20);
    }
  });
  afterEach(async () => {
    await listener.close();
    await database.drop();
  });

  it('wakes listeners when a message is queued, not when it is leased to the in-process worker', async () => {
    await messages.enqueue({ message: message('msg_1'), dueAt: at, lease: { owner: 'me', until: at + 1 } });
    await messages.enqueue({ message: message('msg_2'), dueAt: at });
    expect(await called(1)).toBe(1);
  });

  it('wakes listeners when a retry is scheduled, a fallback check is set or brought forward, leases are given back', async () => {
    await messages.enqueue({ message: message('msg_1'), dueAt: at });
    await messages.enqueue({ message: message('msg_2'), dueAt: at });
    expect(await called(2)).toBe(2);
    const [one, two] = await outbox.claim(at, 2, 30_000, 'w');
    await outbox.retry(one!, { attempt: null, dueAt: at + 10, errorCode: null, errorMessage: null, at });
    expect(await called(3)).toBe(3);
    await outbox.complete(two!, { attempt: attempt('msg_2'), status: 'sent', at, fallbackAt: at + 60_000 });
    expect(await called(4)).toBe(4);
    await outbox.expedite('msg_2', at + 1);
    expect(await called(5)).toBe(5);
    const jobs = await outbox.claim(at + 60_000, 2, 30_000, 'w');
    await outbox.release(jobs);
    expect(await called(6)).toBe(6);
    // Writes for rows no one holds (or that are not there) change nothing, and wake no one.
    await outbox.retry(one!, { attempt: null, dueAt: at, errorCode: null, errorMessage: null, at });
    await outbox.expedite('msg_unknown', at);
    await messages.enqueue({ message: message('msg_3'), dueAt: at });
    expect(await called(7)).toBe(7);
  });

  it('reconnects after its connection drops, and wakes listeners once it is back', async () => {
    const { rows } = await database.db.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'messagejs-relay (listen)'`,
    );
    expect(rows).toEqual([{ killed: true }]);
    // Nothing was queued: this call says "you may have missed something".
    expect(await called(1)).toBe(1);
    await messages.enqueue({ message: message('msg_1'), dueAt: at });
    expect(await called(2)).toBe(2);
  });

  it('calls no listener once removed, nor after close', async () => {
    let other = 0;
    const remove = listener.subscribe(() => other++);
    await messages.enqueue({ message: message('msg_1'), dueAt: at });
    await called(1);
    remove();
    await messages.enqueue({ message: message('msg_2'), dueAt: at });
    await called(2);
    expect(other).toBe(1);
    await listener.close();
    await messages.enqueue({ message: message('msg_3'), dueAt: at });
    await sleep(200);
    expect(calls).toBe(2);
  });
});
