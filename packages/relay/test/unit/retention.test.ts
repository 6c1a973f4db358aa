import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { RetentionBatch, RetentionStep, RetentionTarget, Store } from '../../src/store/types/index.js';
import { createRetention, type RetentionSettings } from '../../src/jobs/retention.js';
import { createHousekeeping } from '../../src/jobs/housekeeping.js';

const DAY = 24 * 3600_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');

/**
 * A store whose retention has `rows` rows of each step to go, aged one a minute from 0: it records
 * every batch asked of it, in order.
 */
function fakeStore(rows: Partial<Record<'bodies' | RetentionTarget, number>>, options: { busy?: boolean } = {}) {
  const calls: Array<{ step: string } & RetentionBatch> = [];
  const left = { bodies: 0, messages: 0, verifySessions: 0, audit: 0, events: 0, ...rows };
  const step =
    (name: keyof typeof left) =>
    async (batch: RetentionBatch): Promise<RetentionStep> => {
      calls.push({ step: name, ...batch });
      if (options.busy) return { rows: 0, reached: null, busy: true };
      const done = Math.min(batch.limit, left[name]);
      left[name] -= done;
      return { rows: done, reached: done > 0 ? batch.from + done * 60_000 : null, busy: false };
    };
  const store = {
    idempotency: { purge: async () => 0 },
    analytics: { settle: async () => {} },
    retention: {
      blankMessageBodies: step('bodies'),
      deleteOld: (target: RetentionTarget, batch: RetentionBatch) => step(target)(batch),
    },
  } as unknown as Store;
  return { store, calls, left };
}

const silent = pino({ level: 'silent' });
const run = (store: Store, settings: RetentionSettings, log = silent) =>
  createRetention({ store, now: () => NOW, log, settings: { pauseMs: 1, ...settings } }).run();

describe('retention', () => {
  it('blanks bodies first, then deletes messages, sessions, audit entries and events, batch after batch', async () => {
    const { store, calls, left } = fakeStore({ bodies: 5, messages: 5, verifySessions: 1, audit: 2, events: 1 });
    const report = await run(store, { days: 30, auditDays: 90, eventDays: 14, batchSize: 2 });
    expect(report).toEqual({ bodies: 5, messages: 5, verifySessions: 1, audit: 2, events: 1, batches: 10 });
    expect(calls.map((c) => c.step)).toEqual([
      ...['bodies', 'bodies', 'bodies'],
      ...['messages', 'messages', 'messages'],
      'verifySessions',
      // The second batch finds none left: a full batch never says the work is done.
      ...['audit', 'audit'],
      'events',
    ]);
    expect(left).toEqual({ bodies: 0, messages: 0, verifySessions: 0, audit: 0, events: 0 });
    expect(calls.filter((c) => c.step === 'events').every((c) => c.before === NOW - 14 * DAY)).toBe(true);
    // Each batch starts where the previous one ended; the age bounds come from the settings.
    expect(calls.filter((c) => c.step === 'bodies').map((c) => c.from)).toEqual([0, 120_000, 240_000]);
    expect(new Set(calls.filter((c) => !['audit', 'events'].includes(c.step)).map((c) => c.before))).toEqual(
      new Set([NOW - 30 * DAY]),
    );
    expect(calls.filter((c) => c.step === 'audit').every((c) => c.before === NOW - 90 * DAY)).toBe(true);
    expect(calls.every((c) => c.limit === 2)).toBe(true);
  });

  it('removes only what is set: audit entries alone, or messages and sessions alone', async () => {
    const audit = fakeStore({ bodies: 1, messages: 1, audit: 1 });
    await run(audit.store, { days: null, auditDays: 7 });
    expect(audit.calls.map((c) => c.step)).toEqual(['audit']);
    const data = fakeStore({ bodies: 1, messages: 1, audit: 1 });
    await run(data.store, { days: 7, auditDays: null });
    expect(data.calls.map((c) => c.step)).toEqual(['bodies', 'messages', 'verifySessions']);
  });

  it('leaves the work to another process that is at it', async () => {
    const { store, calls } = fakeStore({ bodies: 5 }, { busy: true });
    expect(await run(store, { days: 30, auditDays: 30 })).toEqual({
      bodies: 0,
      messages: 0,
      verifySessions: 0,
      audit: 0,
      events: 0,
      batches: 0,
    });
    expect(calls.map((c) => c.step)).toEqual(['bodies']);
  });

  it('stops between two batches, and runs once at a time', async () => {
    const { store, calls } = fakeStore({ bodies: 1000 });
    const retention = createRetention({
      store,
      now: () => NOW,
      log: silent,
      settings: { days: 1, auditDays: null, batchSize: 10, pauseMs: 5 },
    });
    const first = retention.run();
    expect(retention.run()).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await retention.stop();
    const made = calls.length;
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThan(100);
    expect((await first)?.bodies).toBe(made * 10);
  });

  it('logs what it removed, and a failure without throwing', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    await run(fakeStore({ messages: 3 }).store, { days: 30, auditDays: null }, log);
    expect(lines.at(-1)).toMatchObject({ msg: 'old data removed', messages: 3, bodies: 0 });
    const broken = {
      retention: { blankMessageBodies: () => Promise.reject(new Error('disk full')) },
    } as unknown as Store;
    expect(await run(broken, { days: 30, auditDays: null }, log)).toBeNull();
    expect(lines.at(-1)).toMatchObject({ level: 50, err: { message: 'disk full' } });
  });

  it('runs from housekeeping hourly, in the background', async () => {
    let now = NOW;
    const { store, calls } = fakeStore({ bodies: 1 });
    const housekeeping = createHousekeeping({
      store,
      now: () => now,
      log: silent,
      retention: { days: 30, auditDays: null },
    });
    const settled = async (n: number) => {
      for (let i = 0; i < 100 && calls.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    await housekeeping();
    await settled(3);
    expect(calls.map((c) => c.step)).toEqual(['bodies', 'messages', 'verifySessions']);
    await housekeeping();
    await settled(4);
    expect(calls).toHaveLength(3);
    now += 3600_000;
    await housekeeping();
    await settled(6);
    expect(calls).toHaveLength(6);
    await housekeeping.stop();
  });

  it('does not hold the scheduler’s turn while a batch runs; stopping waits for the batch', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    const store = {
      idempotency: { purge: async () => 0 },
      analytics: { settle: async () => {} },
      retention: {
        blankMessageBodies: async () => {
          await held;
          finished = true;
          return { rows: 0, reached: null, busy: false };
        },
        deleteOld: async () => ({ rows: 0, reached: null, busy: false }),
      },
    } as unknown as Store;
    const housekeeping = createHousekeeping({
      store,
      now: () => NOW,
      log: silent,
      retention: { days: 1, auditDays: null },
    });
    await housekeeping();
    expect(finished).toBe(false);
    const stopped = housekeeping.stop();
    release();
    await stopped;
    expect(finished).toBe(true);
  });
});
