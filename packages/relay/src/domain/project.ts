import type { Channel, NumberType } from '@messagejs/shared-types';
import type { PriceTable } from './price-table.js';

/** Rate limits of a project (counts per window). */
export interface ProjectLimits {
  /** Requests per key per hour. @default 1000 */
  perKeyPerHour: number;
  /** Requests per client IP per minute, public keys only. @default 20 */
  perIpPerMinute: number;
  /**
   * Messages per recipient per 10 minutes. For a template with a fixed recipient (a contact form)
   * it is counted per client instead — per client IP for public keys, per key for secret keys —
   * so one visitor cannot close the form for everyone. @default 5
   */
  perRecipientPer10Minutes: number;
  /**
   * Messages per fixed-recipient template per 10 minutes, all clients together: what protects the
   * form's recipient (and the bill) from many clients at once. @default 100
   */
  perTemplatePer10Minutes: number;
  /** Messages per number prefix (country code + 3 digits) per hour, public keys only: SMS-pumping guard. @default 60 */
  perPrefixPerHour: number;
  /** Messages per project per day. @default 10000 */
  perProjectPerDay: number;
}

/** Limits of a project that has not set its own. */
export const defaultLimits: Readonly<ProjectLimits> = Object.freeze({
  perKeyPerHour: 1000,
  perIpPerMinute: 20,
  perRecipientPer10Minutes: 5,
  perTemplatePer10Minutes: 100,
  perPrefixPerHour: 60,
  perProjectPerDay: 10_000,
});

/** Phone number types (`getType()` of libphonenumber-js, in snake case): part of the wire contract. */
export { numberTypes, type NumberType } from '@messagejs/shared-types';

/** What phone channels send to unless a project allows more: mobiles only (the SMS-pumping defence). */
export const defaultNumberTypes: readonly NumberType[] = Object.freeze([
  'mobile',
  'fixed_line_or_mobile',
] as NumberType[]);

/**
 * Quiet hours: local times `HH:MM` (24 h; the window may cross midnight), and the IANA time zone
 * used when the recipient's is not known.
 */
export interface QuietHours {
  start: string;
  end: string;
  timeZone: string;
}

/** A project: what its keys may send, where, how fast, and at what price. */
export interface Project {
  id: string;
  name: string;
  /** The account that owns it; null for a project made before the first owner (it adopts them). */
  accountId: string | null;
  allowedOrigins: string[];
  /** ISO 3166 alpha-2 codes recipients may be in. Empty means none. */
  allowedCountries: string[];
  /** Country assumed for national-format numbers (`0612345678`). */
  defaultCountry: string | null;
  limits: ProjectLimits;
  /** Prices per channel and country (EUR and MAD) for cost estimates; null uses the relay's defaults. */
  prices: PriceTable | null;
  /** Channels to cascade to, per channel, when a message or template names no `channels`. */
  fallbacks: Partial<Record<Channel, Channel[]>>;
  /** Number types phone channels (SMS, WhatsApp, verification) may send to. @default ['mobile', 'fixed_line_or_mobile'] */
  allowedNumberTypes: NumberType[];
  /** A development project (the demo is one): the console connector may print verification codes in full. */
  development: boolean;
  /** Marketing messages wait out these hours in the recipient's time zone (issue 16); null: none. */
  quietHours?: QuietHours | null;
  createdAt: number;
}
