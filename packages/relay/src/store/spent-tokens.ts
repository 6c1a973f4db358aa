/** What spending a token found. */
export type SpendResult =
  /** Not spent before: it is spent now. */
  | 'fresh'
  /** Spent already (a replay). */
  | 'spent'
  /** Too many tokens are remembered right now to take one more: try again shortly. */
  | 'full';

/**
 * Tokens that open exactly one request until they expire (the proof-of-work challenges of
 * `features/verify/proof-of-work.ts`). In this process's memory by default; with Redis
 * (`store/redis/spent-tokens.ts`) every relay shares them, so a solution spent on one relay is
 * spent on all.
 */
export interface SpentTokens {
  /** Spends `token` until `expiresAt` (ms since epoch): `fresh` the first time, `spent` after. */
  spend(token: string, expiresAt: number): Promise<SpendResult>;
}

/** Tokens remembered at most (≈ 150 bytes each); beyond, spending answers `full`. */
const MAX_REMEMBERED = 100_000;

/** The in-memory set: bounded, each token forgotten once it expired. */
export function createMemorySpentTokens(
  options: { now: () => number; maxRemembered?: number } = { now: Date.now },
): SpentTokens {
  const maxRemembered = options.maxRemembered ?? MAX_REMEMBERED;
  /** Spent token → its expiry (ms), in spending order. */
  const spent = new Map<string, number>();
  return {
    // Checked and set in one synchronous step: two concurrent spends of one token cannot both pass.
    async spend(token, expiresAt) {
      if (spent.has(token)) return 'spent';
      const at = options.now();
      forgetExpired(spent, at, false);
      if (spent.size >= maxRemembered) forgetExpired(spent, at, true);
      if (spent.size >= maxRemembered) return 'full';
      spent.set(token, expiresAt);
      return 'fresh';
    },
  };
}

/**
 * Drops tokens that expired by `at`. `spent` is in spending order: unless `all`, the sweep stops
 * at the first token still live, and `all` sweeps the whole map.
 */
function forgetExpired(spent: Map<string, number>, at: number, all: boolean): void {
  for (const [token, expires] of spent) {
    if (expires <= at) spent.delete(token);
    else if (!all) break;
  }
}
