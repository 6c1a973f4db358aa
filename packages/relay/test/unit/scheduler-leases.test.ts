import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScheduler, type Scheduler } from '../../src/jobs/scheduler.js';
import type { JobHandler } from '../../src/jobs/job-handler.js';
import type { ClaimedJob, Store } from '../../src/store/types/index.js';
import { backends, type OpenedStore } from '../store-contract/backends.js';
import { at, attempt, message, project } from '../store-contract/fixtures.js';

/**
 * What a running job owns until its outcome is recorded, on every backend: its outbox lease
 * (renewed while it runs, so only a dead worker's rows are claimed again) and its slot (so a
 * worker killed at any moment has at most `concurrency` messages sent but not recorded).
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

describe.each(backends)('scheduler leases and slots ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  let scheduler: Scheduler | null = null;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.projects.create(project);
  });
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = null;
    await opened?.dispose();
  });

  const complete = (job: ClaimedJob) =>
    store.outbox.complete(job, { attempt: attempt(job.messageId, { at: Date.now() }), status: 'sent', at: Date.now() });
  const start = (send: JobHandler, options: { leaseMs: number; concurrency: number }) => {
    scheduler = createScheduler({
      store,
      log: pino({ level: 'silent' }),
      now: Date.now,
      handlers: { send, fallback_check: send },
      pollMs: 50,
      ...options,
    });
    scheduler.start();
  };

  it('renews the lease of a job running longer than it, so no other worker claims its row', async () => {
    await store.messages.enqueue({ message: message('msg_slow'), dueAt: at });
    const runs: number[] = [];
    // A provider call (or a record) lasting 2.5 leases: without renewal, the row is due again after one.
    start(
      async (job, recorder) => {
        runs.push(Date.now());
        await sleep(3000);
        recorder.record(job, complete(job));
      },
      { leaseMs: 1200, concurrency: 1 },
    );
    await until(() => runs.length === 1);
    const claimedByOthers: ClaimedJob[] = [];
    while (Date.now() - runs[0]! < 3000) {
      claimedByOthers.push(...(await store.outbox.claim(Date.now(), 10, 60_000, 'another-worker')));
      await sleep(100);
    }
    expect(claimedByOthers).toEqual([]);
    await until(async () => (await store.outbox.pending()) === 0);
    expect(runs).toHaveLength(1);
    expect((await store.messages.get('msg_slow'))?.status).toBe('sent');
  });

  it('holds a job’s slot until its record commits', async () => {
    await store.messages.enqueue({ message: message('msg_1'), dueAt: at });
    await store.messages.enqueue({ message: message('msg_2'), dueAt: at + 1 });
    const started = new Map<string, number>();
    const committed = new Map<string, number>();
    // The provider answers at once; the record takes 400 ms to commit (a loaded database).
    start(
      async (job, recorder) => {
        started.set(job.messageId, Date.now());
        recorder.record(
          job,
          sleep(400)
            .then(() => complete(job))
            .then(() => void committed.set(job.messageId, Date.now())),
        );
      },
      { leaseMs: 30_000, concurrency: 1 },
    );
    await until(() => committed.size === 2);
    expect([...started.keys()]).toEqual(['msg_1', 'msg_2']);
    expect(started.get('msg_2')!).toBeGreaterThanOrEqual(committed.get('msg_1')!);
  });
});
