import type { Channel } from '@messagejs/shared-types';
import { describe, expect, it } from 'vitest';
import { defaultPriceTable, estimateCost, type PriceTable } from '../../src/domain/pricing.js';

const table: PriceTable = {
  sms: { MA: { eur: 0.0725, mad: 0.79 }, '*': { eur: 0.1, mad: 1.08 } },
  whatsapp: { FR: { eur: 0.0301, mad: 0.325 } },
  email: { '*': { eur: 0.0001, mad: 0.001 } },
};

describe('estimateCost', () => {
  it.each<[string, Channel, string | null | undefined, number, { eur: number; mad: number } | null]>([
    ['prices SMS per segment', 'sms', 'MA', 3, { eur: 0.2175, mad: 2.37 }],
    ['prices one SMS segment', 'sms', 'MA', 1, { eur: 0.0725, mad: 0.79 }],
    ['prices zero segments at zero', 'sms', 'MA', 0, { eur: 0, mad: 0 }],
    ['reads the country case-insensitively', 'sms', 'ma', 2, { eur: 0.145, mad: 1.58 }],
    ['falls back to * for a country not listed', 'sms', 'GA', 2, { eur: 0.2, mad: 2.16 }],
    ['falls back to * without a country', 'sms', null, 1, { eur: 0.1, mad: 1.08 }],
    ['prices other channels per message, whatever the segments', 'whatsapp', 'FR', 5, { eur: 0.0301, mad: 0.325 }],
    ['prices a channel with no country by *', 'email', undefined, 1, { eur: 0.0001, mad: 0.001 }],
    ['returns null for a country not listed and no *', 'whatsapp', 'MA', 1, null],
    ['returns null for a channel not in the table', 'telegram', 'MA', 1, null],
  ])('%s', (_, channel, country, segments, expected) => {
    expect(estimateCost(table, { channel, country, segments })).toEqual(expected);
  });

  it('rounds half up to 4 decimal places without floating-point drift', () => {
    const prices: PriceTable = { sms: { '*': { eur: 0.00005, mad: 0.123456 } } };
    expect(estimateCost(prices, { channel: 'sms', country: 'MA', segments: 1 })).toEqual({ eur: 0.0001, mad: 0.1235 });
    expect(estimateCost(prices, { channel: 'sms', country: 'MA', segments: 3 })).toEqual({ eur: 0.0002, mad: 0.3704 });
    // 0.1 + 0.2 style drift: 0.07 × 3 is 0.21000000000000002 in floating point.
    const drift: PriceTable = { sms: { '*': { eur: 0.07, mad: 0.7 } } };
    expect(estimateCost(drift, { channel: 'sms', segments: 3 })).toEqual({ eur: 0.21, mad: 2.1 });
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s segments', (segments) => {
    expect(() => estimateCost(table, { channel: 'sms', country: 'MA', segments })).toThrow(RangeError);
  });
});

describe('defaultPriceTable', () => {
  it('prices SMS and WhatsApp for MA, FR, US, GB, GA and every other country', () => {
    for (const channel of ['sms', 'whatsapp'] as const) {
      for (const country of ['MA', 'FR', 'US', 'GB', 'GA', 'BR']) {
        const cost = estimateCost(defaultPriceTable, { channel, country, segments: 1 });
        expect(cost?.eur).toBeGreaterThan(0);
        expect(cost?.mad).toBeGreaterThan(0);
      }
    }
    expect(estimateCost(defaultPriceTable, { channel: 'sms', country: 'MA', segments: 2 })).toEqual({
      eur: 0.06,
      mad: 0.64,
    });
  });

  it('quotes MAD at roughly 10–11 per EUR', () => {
    for (const prices of Object.values(defaultPriceTable)) {
      for (const { eur, mad } of Object.values(prices)) expect(mad / eur).toBeGreaterThan(10);
      for (const { eur, mad } of Object.values(prices)) expect(mad / eur).toBeLessThan(11);
    }
  });

  it('cannot be modified by a caller', () => {
    expect(Object.isFrozen(defaultPriceTable)).toBe(true);
    expect(Object.isFrozen(defaultPriceTable.sms)).toBe(true);
    expect(Object.isFrozen(defaultPriceTable.sms?.MA)).toBe(true);
  });
});
