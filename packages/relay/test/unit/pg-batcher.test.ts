import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../src/store/postgres/batcher.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PostgreSQL group commit (batcher)', () => {
  it('sends the writes of one turn together, and those arriving meanwhile in the next statement', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = createBatcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return items.map((n) => n * 10);
      },
      async (n) => {
        batches.push([n]);
        return n * 10;
      },
      { slots: 1, maxBatch: 3 },
    );
    const first = [1, 2].map((n) => batcher(n));
    await tick();
    // The first statement is in flight: these wait, then go at most three at a time.
    const later = [3, 4, 5, 6].map((n) => batcher(n));
    await tick();
    expect(batches).toEqual([[1, 2]]);
    release();
    expect(await Promise.all([...first, ...later])).toEqual([10, 20, 30, 40, 50, 60]);
    expect(batches).toEqual([[1, 2], [3, 4, 5], [6]]);
    await batcher.drain();
  });

  it('keeps two writes with one key out of one statement', async () => {
    const batches: string[][] = [];
    const batcher = createBatcher<string, string>(
      async (items) => {
        batches.push(items);
        return items;
      },
      async (item) => {
        batches.push([item]);
        return item;
      },
      { slots: 1, maxBatch: 10, key: (item) => item.split(':')[0]! },
    );
    await Promise.all(['a:1', 'b:1', 'a:2', 'c:1'].map((item) => batcher(item)));
    expect(batches).toEqual([['a:1', 'b:1', 'c:1'], ['a:2']]);
  });

  it('retries each write alone when a statement fails, so one bad write fails only itself', async () => {
    const alone: number[] = [];
    const batcher = createBatcher<number, number>(
      async () => {
        throw Object.assign(new Error('insert or update violates foreign key constraint'), { code: '23503' });
      },
      async (n) => {
        alone.push(n);
        if (n === 2) throw new Error('bad row');
        return n;
      },
      { slots: 2, maxBatch: 10 },
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(alone.sort()).toEqual([1, 2, 3]);
  });

  it('fails every write of the statement, without retrying, when the database cannot be reached', async () => {
    let alone = 0;
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const batcher = createBatcher<number, number>(
      async () => {
        throw down;
      },
      async (n) => {
        alone += 1;
        return n;
      },
      { slots: 1, maxBatch: 10 },
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher(n)));
    expect(results.every((r) => r.status === 'rejected' && r.reason === down)).toBe(true);
    expect(alone).toBe(0);
    await batcher.drain();
  });
});
