/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): half the capped exponential delay is kept, half is random, so retries spread out but
 * never come back at once.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const capped = Math.min(maxMs, baseMs * 2 ** Math.max(attempt - 1, 0));
  return Math.round(capped / 2 + random() * (capped / 2));
}
