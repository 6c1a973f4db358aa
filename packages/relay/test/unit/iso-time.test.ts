import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/domain/iso-time.js';

const DAY = 86_400_000;

describe('isoTime', () => {
  it('writes what toISOString writes, at day, second and millisecond edges', () => {
    const times = [0, 1, 999, 1000, DAY - 1, DAY, -1, -DAY, -DAY - 1, Date.parse('2026-11-01T00:00:00Z')];
    // Around leap days, years' ends and a 100-year rule, and years with six digits.
    for (const day of ['2024-02-29', '2100-03-01', '1999-12-31', '1900-01-01', '0000-01-01', '+275760-09-12']) {
      const start = Date.parse(`${day}T00:00:00Z`);
      times.push(start, start - 1, start + DAY - 1, start + 43_200_123);
    }
    // Spread over 1843–2096 by an odd step, so every hour, minute, second and millisecond shows up.
    for (let i = 0; i < 10_000; i++) times.push(-4e12 + i * 799_999_937);
    for (const ms of times) expect([ms, isoTime(ms)]).toEqual([ms, new Date(ms).toISOString()]);
  });

  it('hands what is not a whole millisecond a Date holds to toISOString: its rounding and its RangeError', () => {
    expect(isoTime(1.7)).toBe(new Date(1.7).toISOString());
    expect(isoTime(-1.7)).toBe(new Date(-1.7).toISOString());
    expect(isoTime(8.64e15)).toBe(new Date(8.64e15).toISOString());
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });

  it('keeps its cache of days bounded while answering each day right', () => {
    for (let day = 0; day < 10_000; day++) {
      const ms = day * DAY * 7 + 3_723_004;
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
