import { findPhoneNumbersInText } from 'libphonenumber-js/max';

/**
 * Masks a recipient for logs and for public-key readers: phone numbers keep their last 4 digits
 * (`+21261234••••` → `••••••••5678`), email addresses keep the first letter and the domain, chat
 * ids keep their last 4 characters.
 */
export function maskAddress(address: string): string {
  const at = address.indexOf('@');
  if (at > 0) return `${address[0]}***${address.slice(at)}`;
  const visible = address.slice(-4);
  const hidden = Math.max(address.length - 4, 0);
  return `${address.startsWith('+') ? '+' : ''}${'*'.repeat(Math.max(hidden - (address.startsWith('+') ? 1 : 0), 0))}${visible}`;
}

// An address as a provider quotes it in prose; deliberately loose (masking too much is harmless).
// The lookbehind starts a match only at the start of a run, so a long run without `@` is scanned once.
const EMAIL = /(?<![\p{L}\p{N}._%+'-])[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
// What the phone-number finder does not take for a number (an invalid number, a national form
// without a country, spaced digits): any run of 7 or more digits, with its `+` and single
// separators between them (`06 12 34 56 78`). ISO dates are runs of 8 digits and stay readable.
const LONG_DIGITS = /\+?\d(?:[ .()-]?\d){6,}/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Longer text is cut before it is masked: an error message is a sentence, not a page. */
const MAX_TEXT = 1000;

/**
 * Masks every email address and phone number in free text — a provider's error message
 * (`The 'To' number +212655501234 is not a valid phone number`) — the way `maskAddress` masks a
 * recipient. Numbers are found by libphonenumber (any formatting: `+1 (415) 555-0123`), then
 * every remaining run of 7 or more digits is masked too (ISO dates excepted). Text longer than
 * 1,000 characters is cut first.
 */
export function maskText(text: string): string {
  const cut = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
  let masked = cut.replace(EMAIL, (address) => maskAddress(address));
  const found = findPhoneNumbersInText(masked);
  // Right to left, so earlier offsets stay valid.
  for (let i = found.length - 1; i >= 0; i--) {
    const { startsAt, endsAt, number } = found[i]!;
    masked = masked.slice(0, startsAt) + maskAddress(number.number) + masked.slice(endsAt);
  }
  return masked.replace(LONG_DIGITS, (digits) =>
    ISO_DATE.test(digits) ? digits : maskAddress(digits.replace(/[ .()-]/g, '')),
  );
}
