/**
 * Who a message says it is from (`from`, issue 16): a phone number (E.164), a short code (3 to 8
 * digits), or an alphanumeric sender id — 1 to 11 ASCII letters, digits and spaces, at least one
 * letter (the rule Twilio, Vonage and the GSM networks share).
 */
export type SenderKind = 'number' | 'short_code' | 'alphanumeric';

export function senderKind(from: string): SenderKind | null {
  if (/^\+[1-9]\d{6,14}$/.test(from)) return 'number';
  if (/^\d{3,8}$/.test(from)) return 'short_code';
  if (/^[A-Za-z0-9 ]{1,11}$/.test(from) && /[A-Za-z]/.test(from) && from.trim() === from) return 'alphanumeric';
  return null;
}

/**
 * Destination countries (ISO 3166 alpha-2) whose networks do not take alphanumeric sender ids:
 * the message arrives from a number or not at all. From the providers' published country rules
 * (Twilio's "International support for Alphanumeric Sender ID", Telnyx's and Vonage's country
 * notes): North America and the Latin American networks that deliver via numeric senders only,
 * and China (registered templates from numeric senders).
 */
export const NO_ALPHANUMERIC_SENDER: ReadonlySet<string> = new Set([
  'US',
  'CA',
  'PR',
  'GU',
  'VI',
  'AR',
  'BR',
  'CL',
  'CO',
  'CR',
  'DM',
  'DO',
  'EC',
  'CN',
]);

/** True when an alphanumeric sender id reaches numbers of `country` (unknown countries: assumed yes). */
export const alphanumericSenderAllowed = (country: string | null): boolean =>
  country === null || !NO_ALPHANUMERIC_SENDER.has(country);
