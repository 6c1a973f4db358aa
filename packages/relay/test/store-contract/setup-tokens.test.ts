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

  it('replaceUnlessLive keeps a live token; a used or expired one it replaces', async () => {
    expect(await store.setupTokens.replaceUnlessLive(setupToken('st_1'), at)).toBeNull();
    expect(await store.setupTokens.replaceUnlessLive(setupToken('st_2', at + 5), at + 5)).toEqual(setupToken('st_1'));
    expect(await store.setupTokens.find('st_2')).toBeNull();
    // Expired: replaced.
    expect(await store.setupTokens.replaceUnlessLive(setupToken('st_3', at + DAY), at + DAY)).toBeNull();
    expect(await store.setupTokens.find('st_1')).toBeNull();
    // Used: replaced.
    expect(await store.setupTokens.consume('st_3', at + DAY + 1)).toBe(true);
    expect(await store.setupTokens.replaceUnlessLive(setupToken('st_4', at + DAY + 2), at + DAY + 2)).toBeNull();
    expect(await store.setupTokens.find('st_4')).toEqual(setupToken('st_4', at + DAY + 2));
    expect(await store.setupTokens.find('st_3')).toBeNull();
  });

  it('stores one of the tokens that relays starting at the same moment offer, and hands it to the others', async () => {
    for (let round = 0; round < 5; round++) {
      const hashes = [1, 2, 3].map((n) => `st_${round}_${n}`);
      const kept = await Promise.all(hashes.map((hash) => store.setupTokens.replaceUnlessLive(setupToken(hash), at)));
      const stored = hashes.filter((_, i) => kept[i] === null);
      expect(stored).toHaveLength(1);
      for (const k of kept) if (k) expect(k.hash).toBe(stored[0]);
      const live = await Promise.all(hashes.map((hash) => store.setupTokens.find(hash)));
      expect(live.filter((found) => found !== null).map((found) => found.hash)).toEqual(stored);
      // The next round starts with no live token: this one used up.
      await store.setupTokens.consume(stored[0]!, at);
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
