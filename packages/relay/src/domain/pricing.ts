import type { Channel } from '@messagejs/shared-types';
import type { Price, PriceTable } from './price-table.js';

export type { Price, PriceTable } from './price-table.js';

/** What {@link estimateCost} prices: one message on one channel. */
export interface CostQuery {
  channel: Channel;
  /** Destination country (`MA`), or `null`/`undefined` when the channel has none (email, chat). */
  country?: string | null;
  /** SMS segments (see `countSegments`); ignored for other channels, which cost one unit per message. */
  segments: number;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) deepFreeze(child);
  return Object.freeze(value);
}

/**
 * Illustrative defaults, for a project that has not set its own prices: plausible 2025 wholesale
 * rates (SMS per segment, WhatsApp per template message), with MAD at about 10.8 per EUR. They are
 * not any provider's price list — projects are expected to override them with their contract's.
 */
export const defaultPriceTable: Readonly<PriceTable> = deepFreeze({
  sms: {
    MA: { eur: 0.03, mad: 0.32 },
    FR: { eur: 0.05, mad: 0.54 },
    US: { eur: 0.008, mad: 0.086 },
    GB: { eur: 0.04, mad: 0.43 },
    GA: { eur: 0.06, mad: 0.65 },
    '*': { eur: 0.08, mad: 0.86 },
  },
  whatsapp: {
    MA: { eur: 0.02, mad: 0.216 },
    FR: { eur: 0.03, mad: 0.324 },
    US: { eur: 0.004, mad: 0.0432 },
    GB: { eur: 0.022, mad: 0.2376 },
    GA: { eur: 0.02, mad: 0.216 },
    '*': { eur: 0.03, mad: 0.324 },
  },
});

/** Prices are taken to 6 decimal places and multiplied as integers, so `0.0725 × 3` is exactly 0.2175. */
const PRICE_SCALE = 1_000_000;
/** Results are rounded half up to 4 decimal places. */
const RESULT_STEP = PRICE_SCALE / 10_000;

function multiply(unitPrice: number, quantity: number): number {
  const micro = Math.round(unitPrice * PRICE_SCALE) * quantity;
  return Math.round(micro / RESULT_STEP) / (PRICE_SCALE / RESULT_STEP);
}

/**
 * Estimates what one message costs: the table's price for the channel and destination country
 * (falling back to `'*'`), times the segments for SMS or once for any other channel, rounded to
 * 4 decimal places. `null` when the table has no price for the channel and country.
 *
 * @throws {RangeError} when `segments` is not a non-negative integer.
 * @example
 * estimateCost(defaultPriceTable, { channel: 'sms', country: 'MA', segments: 2 }) // → { eur: 0.06, mad: 0.64 }
 */
export function estimateCost(table: PriceTable, query: CostQuery): Price | null {
  if (!Number.isInteger(query.segments) || query.segments < 0) {
    throw new RangeError(`segments must be a non-negative integer, got ${query.segments}`);
  }
  const prices = table[query.channel];
  if (!prices) return null;
  const country = query.country?.toUpperCase();
  const price = (country !== undefined ? prices[country] : undefined) ?? prices['*'];
  if (!price) return null;
  const quantity = query.channel === 'sms' ? query.segments : 1;
  return { eur: multiply(price.eur, quantity), mad: multiply(price.mad, quantity) };
}
