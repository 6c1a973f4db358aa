import crypto from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type {
  AreaCounts,
  VerifyRefusal,
  VerifySendCounts,
  VerifySendWindows,
  VerifySettings,
  WindowCount,
} from '../../store/types.js';

/** The window of the per-recipient send limits. */
export const SEND_WINDOW_MS = 10 * 60_000;
/** The window of the per-key cap and of the success-rate guard. */
export const HOUR_MS = 60 * 60_000;
/** The window of the per-country and per-prefix caps. */
export const DAY_MS = 24 * HOUR_MS;

/** The windows a send at `now` is counted over. */
export function sendWindows(now: number): VerifySendWindows {
  return { recipient: now - SEND_WINDOW_MS, hour: now - HOUR_MS, day: now - DAY_MS };
}

/** The client every secret key of a project counts as: the developer's backend. */
export const SECRET_CLIENT = 'secret';

/**
 * Who asks, for the per-client limits and session scoping: for a public key, a keyed hash of the
 * client IP (IPv6 by its /64, which one subscriber usually holds whole), so the database keeps
 * no address; for a secret key, the project's backend as one client.
 */
export function clientOf(keyKind: 'public' | 'secret', ip: string | undefined, hashKey: Buffer): string {
  if (keyKind === 'secret') return SECRET_CLIENT;
  return crypto
    .createHmac('sha256', hashKey)
    .update(`client:${networkOf(ip ?? '')}`)
    .digest('base64url')
    .slice(0, 22);
}

/** The address a client is counted by: IPv4 (also IPv4-mapped IPv6) whole, IPv6 by /64. */
export function networkOf(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const parsed = ipaddr.process(ip);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}

const after = (window: WindowCount, ms: number, now: number) => (window.oldestAt ?? now) + ms;

/** The refusal of a cap of `max` sends in `window`, or null while under it. */
function cap(
  reason: Exclude<VerifyRefusal['reason'], 'throttled'>,
  window: WindowCount,
  max: number,
  windowMs: number,
  now: number,
): VerifyRefusal | null {
  return window.count >= max ? { reason, max, retryAt: after(window, windowMs, now) } : null;
}

/**
 * The success-rate guard (Twilio's Fraud Guard works this way): SMS pumping sends codes nobody
 * checks, so a country or number range where at least `guardMinSends` codes went in the last hour
 * and fewer than `guardMinSuccessPercent` % of them were verified takes no new code until the
 * hour's sends age out. Refused sends are not counted, so the throttle lifts by itself.
 */
function guard(
  area: 'country' | 'prefix',
  counts: AreaCounts | null,
  settings: VerifySettings,
  now: number,
): VerifyRefusal | null {
  if (!counts || settings.guardMinSuccessPercent <= 0) return null;
  const { count, verified } = counts.hour;
  if (count < settings.guardMinSends || verified * 100 >= count * settings.guardMinSuccessPercent) return null;
  return { reason: 'throttled', area, sent: count, verified, retryAt: after(counts.hour, HOUR_MS, now) };
}

/**
 * Decides whether one more code may be sent, from the sends already counted (a pure function:
 * the store calls it inside the send's transaction). The per-recipient limits come first (the
 * narrowest), then the key's cap, then the caps and guard of the country and number range.
 */
export function admitVerifySend(
  settings: VerifySettings,
  counts: VerifySendCounts,
  keyKind: 'public' | 'secret',
  now: number,
): VerifyRefusal | null {
  return (
    cap('recipient_client', counts.recipient.client, settings.maxSendsPer10Minutes, SEND_WINDOW_MS, now) ??
    cap('recipient', counts.recipient.all, settings.maxSendsPerRecipientPer10Minutes, SEND_WINDOW_MS, now) ??
    (keyKind === 'public' ? cap('key', counts.key, settings.maxSendsPerKeyPerHour, HOUR_MS, now) : null) ??
    (counts.country && cap('country', counts.country.day, settings.maxSendsPerCountryPerDay, DAY_MS, now)) ??
    (counts.prefix && cap('prefix', counts.prefix.day, settings.maxSendsPerPrefixPerDay, DAY_MS, now)) ??
    guard('country', counts.country, settings, now) ??
    guard('prefix', counts.prefix, settings, now)
  );
}
