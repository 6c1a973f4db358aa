import type { Logger } from 'pino';
import type { Store } from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';
import type { AccessTokens } from './access-tokens.js';
import type { Passwords } from './passwords.js';
import type { LoginThrottle } from './login-throttle.js';
import type { LastUsed } from './last-used.js';

/** `MESSAGEJS_SIGNUP`: who may create an account by themselves. */
export type SignupMode = 'off' | 'invite' | 'open';

/** What the accounts room's services share; built once by `app.ts`. */
export interface AccountsDeps {
  store: Store;
  sealer: Sealer;
  now: () => number;
  logger: Logger;
  /** The relay's URL for links it hands out (setup, invites): the public URL, else where it listens. */
  baseUrl: () => string;
  /** HMAC key of CSRF tokens (`crypto/csrf.ts`). */
  csrfKey: Buffer;
  passwords: Passwords;
  tokens: AccessTokens;
  throttle: LoginThrottle;
  signup: SignupMode;
  /** Admin tokens' last-used times, recorded off the request path. */
  lastUsed: LastUsed;
  /** Wakes the worker after an invite's email was queued. */
  onEnqueued?: () => void;
}
