import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { createHousekeeping, IDEMPOTENCY_TTL_MS, SETTLE_EVERY_MS, SETTLE_LAG_MS } from '../../src/jobs/housekeeping.js';

describe('housekeeping', () => {
  it('purges idempotency records older than their TTL at most once an hour, and settles the rollups every couple of seconds, up to a few seconds ago', async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    const purges: number[] = [];
    const settles: number[] = [];
    const store = {
      idempotency: { purge: async (before: number) => (purges.push(before), 0) },
      analytics: { settle: async (before: number) => void settles.push(before) },
    } as unknown as Store;
    const housekeeping = createHousekeeping({ store, now: () => now, log: pino({ level: 'silent' }) });
    const start = now;
    await housekeeping();
    await housekeeping();
    expect(settles).toEqual([start - SETTLE_LAG_MS]);
    now += SETTLE_EVERY_MS - 1;
    await housekeeping();
    expect(settles).toHaveLength(1);
    now += 1;
    await housekeeping();
    expect(settles).toEqual([start - SETTLE_LAG_MS, start + SETTLE_EVERY_MS - SETTLE_LAG_MS]);
    now = start + 3600_000 - 1;
    await housekeeping();
    expect(purges).toEqual([start - IDEMPOTENCY_TTL_MS]);
    now += 1;
    await housekeeping();
    expect(purges).toHaveLength(2);
    expect(purges[1]).toBe(now - IDEMPOTENCY_TTL_MS);
  });
});
