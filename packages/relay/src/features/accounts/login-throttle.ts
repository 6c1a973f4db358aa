import ipaddr from 'ipaddr.js';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../../domain/app-error.js';
import { sha256Hex } from '../../crypto/tokens.js';
import { memoryLimiter, type MakeLimiter } from '../../store/rate-limits.js';

/** Consecutive failures for one address before it is blocked, and for how long. */
export const EMAIL_FAILURES = 10;
const EMAIL_BLOCK_SECONDS = 15 * 60;
/** Failures from one client (an IPv6 /64 counts as one) a day. */
const IP_FAILURES_PER_DAY = 100;
/** Attempts from one client a minute, failed or not. */
const IP_ATTEMPTS_PER_MINUTE = 30;

/**
 * Sign-in limits per address and per client, rate-limiter-flexible's brute-force recipe:
 * consecutive failures per address, failures per client per day, attempts per client per minute.
 * Known and unknown addresses count alike, so the answers tell nothing. In memory (one process)
 * unless `createLoginThrottle` is given Redis limiters, which every relay shares.
 */
export interface LoginThrottle {
  /** Counts an attempt; throws `429 rate_limited` (with `retryAfter`) when the address or the client is blocked. */
  check(email: string, ip: string): Promise<void>;
  failed(email: string, ip: string): Promise<void>;
  /** A success clears the address's count of consecutive failures. */
  succeeded(email: string): Promise<void>;
}

/** One IPv4 address, or the /64 of an IPv6 one: one client. */
export function clientKey(ip: string): string {
  try {
    const parsed = ipaddr.process(ip);
    if (parsed.kind() === 'ipv4') return parsed.toString();
    return `${(parsed as ipaddr.IPv6).parts
      .slice(0, 4)
      .map((p) => p.toString(16))
      .join(':')}::/64`;
  } catch {
    return ip;
  }
}

const emailKeyOf = (email: string) => sha256Hex(email.trim().toLowerCase());

const blocked = (res: RateLimiterRes) =>
  new AppError('rate_limited', `Too many sign-in attempts; try again in ${Math.ceil(res.msBeforeNext / 1000)} s.`, {
    retryAfter: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
  });

/** The login throttle on the limiters `make` makes (`store/rate-limits.ts`: memory, or Redis shared by relays). */
export function createLoginThrottle(make: MakeLimiter = memoryLimiter): LoginThrottle {
  const byEmail = make({
    keyPrefix: 'login_email',
    points: EMAIL_FAILURES,
    duration: EMAIL_BLOCK_SECONDS,
    blockDuration: EMAIL_BLOCK_SECONDS,
  });
  const ipDay = make({ keyPrefix: 'login_ip_day', points: IP_FAILURES_PER_DAY, duration: 86_400 });
  const ipMinute = make({ keyPrefix: 'login_ip_min', points: IP_ATTEMPTS_PER_MINUTE, duration: 60 });
  return {
    async check(email, ip) {
      const client = clientKey(ip);
      const [emailState, dayState] = await Promise.all([byEmail.get(emailKeyOf(email)), ipDay.get(client)]);
      if (emailState && emailState.consumedPoints >= EMAIL_FAILURES) throw blocked(emailState);
      if (dayState && dayState.consumedPoints >= IP_FAILURES_PER_DAY) throw blocked(dayState);
      try {
        await ipMinute.consume(client, 1);
      } catch (rejected) {
        if (rejected instanceof Error) throw rejected;
        throw blocked(rejected as RateLimiterRes);
      }
    },
    async failed(email, ip) {
      // Over-consuming is how these counters block: the rejections are the point, not errors.
      await Promise.all([
        byEmail.consume(emailKeyOf(email), 1).catch(() => undefined),
        ipDay.consume(clientKey(ip), 1).catch(() => undefined),
      ]);
    },
    async succeeded(email) {
      await byEmail.delete(emailKeyOf(email));
    },
  };
}
