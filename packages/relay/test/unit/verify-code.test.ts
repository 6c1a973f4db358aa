import crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  codeAlphabets,
  codesMatch,
  deriveCodeKey,
  generateCode,
  hmacCode,
  isCodeShape,
} from '../../src/crypto/verify-code.js';

describe('generateCode', () => {
  it('draws every character with crypto.randomInt', () => {
    const spy = vi.spyOn(crypto, 'randomInt');
    try {
      const code = generateCode(6, 'numeric');
      expect(spy).toHaveBeenCalledTimes(6);
      expect(spy).toHaveBeenCalledWith(10);
      expect(code).toMatch(/^\d{6}$/);
    } finally {
      spy.mockRestore();
    }
  });

  it.each([4, 6, 10])('makes codes of length %i', (length) => {
    expect(generateCode(length, 'numeric')).toHaveLength(length);
    expect(generateCode(length, 'alphanumeric')).toHaveLength(length);
  });

  it.each([3, 11, 6.5, Number.NaN])('refuses length %s', (length) => {
    expect(() => generateCode(length, 'numeric')).toThrow(RangeError);
  });

  it('uses uppercase letters and digits without look-alikes for alphanumeric codes', () => {
    expect(codeAlphabets.alphanumeric).toMatch(/^[A-Z0-9]+$/);
    for (const c of '0O1IL2Z5S8BQD') expect(codeAlphabets.alphanumeric).not.toContain(c);
    const seen = new Set(Array.from({ length: 400 }, () => generateCode(10, 'alphanumeric')).join(''));
    expect([...seen].sort().join('')).toBe([...codeAlphabets.alphanumeric].sort().join(''));
  });

  it('spreads numeric digits evenly', () => {
    const counts = new Map<string, number>();
    for (const c of Array.from({ length: 2000 }, () => generateCode(10, 'numeric')).join(''))
      counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(10);
    // 20,000 digits: each expected 2,000; ±15 % is many standard deviations (σ ≈ 42).
    for (const n of counts.values()) expect(Math.abs(n - 2000)).toBeLessThan(300);
  });
});

describe('code shape', () => {
  it.each([
    ['123456', 6, 'numeric', true],
    ['12345', 6, 'numeric', false],
    ['12345A', 6, 'numeric', false],
    ['ACE347', 6, 'alphanumeric', true],
    ['ACE340', 6, 'alphanumeric', false],
    ['ace347', 6, 'alphanumeric', false],
  ] as const)('%s is a %i-character %s code: %s', (code, length, alphabet, expected) => {
    expect(isCodeShape(code, length, alphabet)).toBe(expected);
  });
});

describe('code hashing', () => {
  const key = deriveCodeKey(Buffer.alloc(32, 7));

  it('derives a 32-byte key from the master key with HKDF, different from the master key', () => {
    expect(key).toHaveLength(32);
    expect(key.equals(Buffer.alloc(32, 7))).toBe(false);
    expect(deriveCodeKey(Buffer.alloc(32, 7)).equals(key)).toBe(true);
    expect(deriveCodeKey(Buffer.alloc(32, 8)).equals(key)).toBe(false);
  });

  it('binds the HMAC to the session', () => {
    expect(hmacCode(key, 'ver_a', '123456').equals(hmacCode(key, 'ver_a', '123456'))).toBe(true);
    expect(hmacCode(key, 'ver_a', '123456').equals(hmacCode(key, 'ver_b', '123456'))).toBe(false);
  });

  it('compares with crypto.timingSafeEqual', () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    try {
      const a = hmacCode(key, 'ver_a', '123456');
      expect(codesMatch(a, hmacCode(key, 'ver_a', '123456'))).toBe(true);
      expect(codesMatch(a, hmacCode(key, 'ver_a', '123457'))).toBe(false);
      expect(spy).toHaveBeenCalledTimes(2);
      expect(codesMatch(a, Buffer.alloc(31))).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});
