import { AppError } from '../../domain/app-error.js';
import {
  defaultScryptCost,
  hashPassword,
  needsRehash,
  verifyPassword,
  type ScryptCost,
} from '../../crypto/password.js';

/** Hashing at most this many passwords at once leaves libuv's other threads (4 by default) to file and DNS work. */
const CONCURRENT = 2;
/** Beyond this many waiting, a sign-in is refused at once (429) rather than queued for seconds. */
const MAX_WAITING = 32;

/**
 * The relay's passwords: scrypt hashes (`crypto/password.ts`) made and checked at most two at a
 * time, and a dummy check for unknown addresses, so a sign-in takes as long whether or not the
 * address exists.
 */
export interface Passwords {
  hash(password: string): Promise<string>;
  /** True when `password` matches `encoded`; with `encoded` null, runs a check against a dummy hash and answers false. */
  verify(password: string, encoded: string | null): Promise<boolean>;
  /** True when a stored hash should be made again with the relay's current cost. */
  needsRehash(encoded: string): boolean;
  /**
   * Makes the dummy hash now, in the background (a listening relay calls it), so the first
   * sign-in with an unknown address takes no longer than any other.
   */
  warmUp(): void;
}

export function createPasswords(cost: Partial<ScryptCost> = {}): Passwords {
  const scryptCost: ScryptCost = { ...defaultScryptCost, ...cost };
  let running = 0;
  const waiting: Array<() => void> = [];
  const gated = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= CONCURRENT) {
      if (waiting.length >= MAX_WAITING) {
        throw new AppError('rate_limited', 'Too many sign-ins at once; try again in a second.', { retryAfter: 1 });
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
  let dummy: Promise<string> | null = null;
  const dummyHash = () => (dummy ??= hashPassword('not the password of anyone', scryptCost));
  return {
    hash: (password) => gated(() => hashPassword(password, scryptCost)),
    async verify(password, encoded) {
      if (encoded === null) {
        const hash = await dummyHash();
        await gated(() => verifyPassword(password, hash));
        return false;
      }
      return gated(() => verifyPassword(password, encoded));
    },
    needsRehash: (encoded) => needsRehash(encoded, scryptCost),
    warmUp() {
      dummyHash().catch(() => (dummy = null));
    },
  };
}
