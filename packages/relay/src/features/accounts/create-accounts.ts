import type { Logger } from 'pino';
import type { Store } from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';
import type { ScryptCost } from '../../crypto/password.js';
import { createAccessTokens } from './access-tokens.js';
import type { AccountsDeps, SignupMode } from './deps.js';
import { createLastUsed } from './last-used.js';
import { createLoginThrottle } from './login-throttle.js';
import { createPasswords } from './passwords.js';
import type { MakeLimiter } from '../../store/rate-limits.js';

/** How often admin tokens' last-used times are written. */
export const LAST_USED_FLUSH_MS = 30_000;

/** Builds what the accounts room's services share (`app.ts` calls it once). */
export function createAccounts(options: {
  store: Store;
  sealer: Sealer;
  now: () => number;
  logger: Logger;
  issuer: () => string;
  csrfKey: Buffer;
  signup: SignupMode;
  passwordCost?: Partial<ScryptCost>;
  onEnqueued?: () => void;
  /** The login throttle's limiters (memory, or Redis shared by relays). @default in memory */
  makeLimiter?: MakeLimiter;
}): AccountsDeps {
  const { store, sealer, now, issuer } = options;
  return {
    store,
    sealer,
    now,
    logger: options.logger,
    baseUrl: issuer,
    csrfKey: options.csrfKey,
    passwords: createPasswords(options.passwordCost),
    tokens: createAccessTokens({ store, sealer, now, issuer }),
    throttle: createLoginThrottle(options.makeLimiter),
    signup: options.signup,
    lastUsed: createLastUsed(store, { flushMs: LAST_USED_FLUSH_MS }),
    ...(options.onEnqueued && { onEnqueued: options.onEnqueued }),
  };
}
