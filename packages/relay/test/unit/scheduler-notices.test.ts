import fs from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.js';
import type { JobHandler } from '../../src/jobs/job-handler.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Message, Store } from '../../src/store/types/index.js';
import { messageRecord, projectRecord } from '../helpers/store-records.js';
import { tempDir } from '../helpers/start-relay.js';

/**
 * The scheduler with a store that notifies of work (`store.onWork`, PostgreSQL's LISTEN/NOTIFY):
 * SQLite stands in for the database here, and the test sends the notices itself.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate: () => boolean, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

const message = (id: string, at: number): Message =>
  messageRecord(id, 'prj_sched', 'key_sched', { createdAt: at, updatedAt: at });

interface Setup {
  store: Store;
  scheduler: Scheduler;
  /** When each job ran (ms since epoch), by message id. */
  runs: Map<string, number[]>;
  listeners: Set<() => void>;
  notify(): void;
  lines: Array<Record<string, unknown>>;
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/**
 * A scheduler on a fresh SQLite store, with `onWork` unless `notices: false`. Its send handler
 * records each run and finishes the job — or, while `retryFirst` holds, retries it `retryMs` later.
 */
async function setup(
  options: { notices?: boolean; pollMs?: number; retryMs?: number; store?: (s: Store) => Store } = {},
): Promise<Setup> {
  const dataDir = tempDir();
  const sqlite = createSqliteStore(dataDir);
  await sqlite.projects.create(projectRecord('prj_sched', { name: 'Scheduler', createdAt: Date.now() }));
  const listeners = new Set<() => void>();
  let store: Store =
    options.notices === false
      ? sqlite
      : {
          ...sqlite,
          onWork(listener) {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
        };
  if (options.store) store = options.store(store);
  const runs = new Map<string, number[]>();
  const send: JobHandler = async (job, recorder) => {
    const times = runs.get(job.messageId) ?? [];
    times.push(Date.now());
    runs.set(job.messageId, times);
    const write =
      options.retryMs !== undefined && times.length === 1
        ? store.outbox.retry(job, {
            attempt: null,
            dueAt: Date.now() + options.retryMs,
            errorCode: 'busy',
            errorMessage: 'try later',
            at: Date.now(),
          })
        : store.outbox.finish(job);
    recorder.record(job, write);
  };
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }),
  );
  const scheduler = createScheduler({
    store,
    log,
    now: Date.now,
    handlers: { send, fallback_check: send },
    ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
  });
  cleanup.push(async () => {
    await scheduler.stop();
    await sqlite.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return { store, scheduler, runs, listeners, notify: () => listeners.forEach((l) => l()), lines };
}

/** Stores a message and its outbox row as another process would: no hand-off, no wake of this scheduler. */
async function storeElsewhere(store: Store, id: string, dueAt = Date.now()): Promise<void> {
  await store.messages.enqueue({ message: message(id, Date.now()), dueAt });
}

describe('scheduler with store notices (onWork)', () => {
  it('listens from start to stop', async () => {
    const s = await setup();
    expect(s.listeners.size).toBe(0);
    s.scheduler.start();
    expect(s.listeners.size).toBe(1);
    await s.scheduler.stop();
    expect(s.listeners.size).toBe(0);
  });

  it('takes a row another process stored when notified, without waiting for its safety poll', async () => {
    const s = await setup();
    s.scheduler.start();
    await until(() => s.scheduler.lastTickAt > 0);
    await storeElsewhere(s.store, 'msg_elsewhere');
    // Not polling every 250 ms any more: without a notice the row waits (the safety poll is 5 s).
    await sleep(800);
    expect(s.runs.has('msg_elsewhere')).toBe(false);
    const notifiedAt = Date.now();
    s.notify();
    await until(() => s.runs.has('msg_elsewhere'));
    expect(s.runs.get('msg_elsewhere')![0]! - notifiedAt).toBeLessThan(1000);
  });

  it('wakes when a retry it recorded comes due, long before the safety poll', async () => {
    const s = await setup({ retryMs: 400 });
    s.scheduler.start();
    await until(() => s.scheduler.lastTickAt > 0);
    await storeElsewhere(s.store, 'msg_retry');
    s.notify();
    await until(() => (s.runs.get('msg_retry')?.length ?? 0) >= 2, 4000);
    const [first, second] = s.runs.get('msg_retry')!;
    expect(second! - first!).toBeGreaterThanOrEqual(390);
    expect(second! - first!).toBeLessThan(3000);
  });

  it('still finds a row by its poll when no notice comes (an explicit pollMs is kept)', async () => {
    const s = await setup({ pollMs: 100 });
    s.scheduler.start();
    await until(() => s.scheduler.lastTickAt > 0);
    await storeElsewhere(s.store, 'msg_polled');
    await until(() => s.runs.has('msg_polled'), 3000);
  });
});

describe('scheduler without notices (SQLite)', () => {
  it('polls every 250 ms, as before', async () => {
    const s = await setup({ notices: false });
    s.scheduler.start();
    await until(() => s.scheduler.lastTickAt > 0);
    await storeElsewhere(s.store, 'msg_sqlite');
    await until(() => s.runs.has('msg_sqlite'), 3000);
  });

  it('logs a failing claim once, not on every retry, and once when claims work again', async () => {
    let failures = 4;
    const s = await setup({
      notices: false,
      pollMs: 20,
      store: (store) => ({
        ...store,
        outbox: {
          ...store.outbox,
          claim: (...args) =>
            failures-- > 0 ? Promise.reject(new Error('database down')) : store.outbox.claim(...args),
        },
      }),
    });
    s.scheduler.start();
    await until(() => failures < 0 && s.scheduler.lastTickAt > 0);
    await storeElsewhere(s.store, 'msg_after');
    await until(() => s.runs.has('msg_after'), 3000);
    expect(s.lines.map((l) => l.msg)).toEqual([
      'outbox claim failed; trying again until it works',
      'outbox claims work again',
    ]);
  });
});
