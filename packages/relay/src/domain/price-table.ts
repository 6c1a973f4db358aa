import type { Channel } from '@messagejs/shared-types';

/** A price in euros and in Moroccan dirhams, quoted side by side (neither is derived from the other). */
export interface Price {
  eur: number;
  mad: number;
}

/**
 * A project's prices: per channel, per destination country (ISO 3166-1 alpha-2, upper case) with
 * `'*'` as the fallback for countries not listed. SMS prices are per segment; every other channel
 * is priced per message. A channel missing from the table has no price.
 *
 * @example
 * const table: PriceTable = { sms: { MA: { eur: 0.03, mad: 0.32 }, '*': { eur: 0.08, mad: 0.86 } } };
 */
export type PriceTable = Partial<Record<Channel, Readonly<Record<string, Price>>>>;
