import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SetupTokenRecord, Store } from '../../src/store/types/index.js';
import { at } from './account-fixtures.js';
import { backends, type OpenedStore } from './backends.js';

const DAY = 86_400_000;
const setupToken = (hash: string, createdAt = at): SetupTokenRecord => ({
  hash,
  createdAt,
  expiresAt: createdAt + DAY,
  usedAt: null,
});

describe.each(backends)('store.setupTokens ($name)', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async () => {
    opened = await backend.open();
    store = opened.store;
  });
  afterEach(() => opened.dispose());

  it('keeps only the latest token', async () => {
    await store.setupTokens.replace(setupToken('st_1'));
    expect(await store.setupTokens.find('st_1')).toEqual(setupToken('st_1'));
    await store.setupTokens.replace(setupToken('st_2', at + 1));
    expect(await store.setupTokens.find('st_1')).toBeNull();
    expect(await store.setupTokens.find('st_2')).toEqual(setupToken('st_2', at + 1));
    expect(await store.setupTokens.find('st_2\u0000')).toBeNull();
  });

  it('keeps one token when two relays replace it at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const hashes = [1, 2, 3].map((n) => `st_${round}_${n}`);
      await Promise.all(hashes.map((hash) => store.setupTokens.replace(setupToken(hash))));
      const live = await Promise.all(hashes.map((hash) => store.setupTokens.find(hash)));
      expect(live.filter((found) => found !== null)).toHaveLength(1);
    }
  });

  it('consumes a token once; an unknown one never', async () => {
    await store.setupTokens.replace(setupToken('st_1'));
    expect(await store.setupTokens.consume('st_1', at + 5)).toBe(true);
    expect(await store.setupTokens.consume('st_1', at + 6)).toBe(false);
    expect(await store.setupTokens.consume('st_none', at + 6)).toBe(false);
    expect(await store.setupTokens.find('st_1')).toEqual({ ...setupToken('st_1'), usedAt: at + 5 });
  });

  it('consumes a token presented several times at the same moment once', async () => {
    await store.setupTokens.replace(setupToken('st_1'));
    const used = await Promise.all([1, 2, 3, 4].map((n) => store.setupTokens.consume('st_1', at + n)));
    expect(used.filter(Boolean)).toHaveLength(1);
    expect((await store.setupTokens.find('st_1'))?.usedAt).toBe(at + 1 + used.indexOf(true));
  });
});
