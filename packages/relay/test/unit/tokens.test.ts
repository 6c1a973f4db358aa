import { describe, expect, it } from 'vitest';
import { keyPrefix, newApiKey, newMessageId, randomBase62 } from '../../src/crypto/tokens.js';

describe('tokens', () => {
  it('makes API keys with ≥ 32 bytes of entropy and shows only a prefix', () => {
    const key = newApiKey('public');
    expect(key).toMatch(/^pk_[0-9A-Za-z]{43}$/); // 43 × log2(62) ≈ 256 bits
    expect(newApiKey('secret')).toMatch(/^sk_/);
    expect(keyPrefix(key)).toBe(key.slice(0, 11));
  });

  it('draws base62 characters uniformly', () => {
    const counts = new Map<string, number>();
    for (const c of randomBase62(62_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(200);
  });

  it('makes message ids that sort by creation time and differ within a millisecond', () => {
    const times = [0, 1, 61, 62, 1_700_000_000_000, 1_700_000_000_001, 3_000_000_000_000];
    const ids = times.map((t) => newMessageId(t));
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^msg_[0-9A-Za-z]{29}$/);
    expect(newMessageId(5)).not.toBe(newMessageId(5));
  });
});
