import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { createHousekeeping, IDEMPOTENCY_TTL_MS } from '../../src/jobs/housekeeping.js';

describe('housekeeping', () => {
  it('purges idempotency records older than their TTL at most once an hour', async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    const purges: number[] = [];
    const store = { idempotency: { purge: async (before: number) => (purges.push(before), 0) } } as unknown as Store;
    const housekeeping = createHousekeeping({ store, now: () => now, log: pino({ level: 'silent' }) });
    await housekeeping();
    await housekeeping();
    now += 3600_000 - 1;
    await housekeeping();
    expect(purges).toEqual([Date.parse('2026-03-01T12:00:00Z') - IDEMPOTENCY_TTL_MS]);
    now += 1;
    await housekeeping();
    expect(purges).toHaveLength(2);
    expect(purges[1]).toBe(now - IDEMPOTENCY_TTL_MS);
  });
});
