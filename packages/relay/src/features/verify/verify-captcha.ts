import type { Logger } from 'pino';
import { captchaProviders, type CaptchaProvider } from '@messagejs/shared-types';
import type { Sealer } from '../../crypto/sealer.js';
import type { VerifySettings } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import type { ProofOfWork } from './proof-of-work.js';

/** The third-party CAPTCHA services a project can require (besides the relay's own `pow`): the wire contract's list. */
export { captchaProviders, type CaptchaProvider };

/**
 * Each provider's siteverify endpoint as base URL + path, so tests (and proxies) can replace the
 * base. All three take the same form-encoded `secret`, `response` and optional `remoteip` and
 * answer JSON with a boolean `success`:
 * - Turnstile: https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
 * - hCaptcha: https://docs.hcaptcha.com/#verify-the-user-response-server-side
 * - reCAPTCHA: https://developers.google.com/recaptcha/docs/verify
 */
export const captchaEndpoints: Readonly<Record<CaptchaProvider, { baseUrl: string; path: string }>> = Object.freeze({
  turnstile: { baseUrl: 'https://challenges.cloudflare.com', path: '/turnstile/v0/siteverify' },
  hcaptcha: { baseUrl: 'https://api.hcaptcha.com', path: '/siteverify' },
  recaptcha: { baseUrl: 'https://www.google.com', path: '/recaptcha/api/siteverify' },
});

export interface CaptchaCheck {
  provider: CaptchaProvider;
  secret: string;
  token: string;
  remoteIp?: string | undefined;
}

export interface CaptchaOptions {
  /** Base URLs by provider (tests point them at a local server). */
  baseUrls?: Partial<Record<CaptchaProvider, string>>;
  fetch?: typeof globalThis.fetch;
  /** @default 5000 */
  timeoutMs?: number;
}

/** Seconds a caller is asked to wait when the CAPTCHA provider could not be asked. */
const UNAVAILABLE_RETRY_AFTER = 5;

/** The provider's verdict, with its `error-codes` (e.g. `invalid-input-secret`) for the operator's log. */
export interface CaptchaVerdict {
  success: boolean;
  errorCodes: string[];
}

/**
 * Asks the provider whether `token` is a solved challenge and resolves with its verdict; when the
 * provider cannot be reached or answers something other than a JSON verdict, throws
 * `503 captcha_unavailable` (with `Retry-After`) — never a 500, and never a guess either way.
 */
export async function verifyCaptcha(check: CaptchaCheck, options: CaptchaOptions = {}): Promise<CaptchaVerdict> {
  const endpoint = captchaEndpoints[check.provider];
  const base = (options.baseUrls?.[check.provider] ?? endpoint.baseUrl).replace(/\/+$/, '');
  const form = new URLSearchParams({ secret: check.secret, response: check.token });
  if (check.remoteIp) form.set('remoteip', check.remoteIp);
  const unavailable = (cause: unknown) =>
    new AppError('captcha_unavailable', 'The CAPTCHA service could not be reached; try again shortly.', {
      retryAfter: UNAVAILABLE_RETRY_AFTER,
      cause,
    });
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(`${base}${endpoint.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } catch (error) {
    throw unavailable(error);
  }
  let verdict: unknown;
  try {
    verdict = await res.json();
  } catch (error) {
    throw unavailable(error);
  }
  // A 4xx carrying a JSON verdict is still a verdict (reCAPTCHA answers bad secrets that way).
  if (verdict && typeof verdict === 'object' && typeof (verdict as { success?: unknown }).success === 'boolean') {
    const codes = (verdict as { 'error-codes'?: unknown })['error-codes'];
    return {
      success: (verdict as { success: boolean }).success,
      errorCodes: Array.isArray(codes) ? codes.filter((c): c is string => typeof c === 'string').slice(0, 10) : [],
    };
  }
  throw unavailable(new Error(`siteverify answered ${res.status} without a verdict`));
}

/** What checking a CAPTCHA needs: the sealer for provider secrets, the relay's proof of work. */
export interface CaptchaDeps {
  sealer: Sealer;
  pow: ProofOfWork;
  captcha?: CaptchaOptions | undefined;
  logger?: Pick<Logger, 'warn'> | undefined;
}

/**
 * Throws unless `token` is a solved CAPTCHA of the project's kind: `captcha_required` without
 * one (with a fresh `challenge` for `pow`), `captcha_failed` for a rejected one. Callers skip it
 * for secret keys: a secret key is itself proof of a trusted server.
 */
export async function requireCaptcha(
  deps: CaptchaDeps,
  check: { projectId: string; settings: VerifySettings; token: string | undefined; remoteIp?: string | undefined },
): Promise<void> {
  const { captcha } = check.settings;
  if (!captcha) return;
  if (captcha.provider === 'pow') {
    await deps.pow.require(check.projectId, check.settings.powMaxNumber, check.token);
    return;
  }
  if (!check.token) {
    throw new AppError(
      'captcha_required',
      "This project requires a CAPTCHA: pass the widget's token as `captchaToken`.",
      { field: 'captchaToken' },
    );
  }
  const verdict = await verifyCaptcha(
    {
      provider: captcha.provider,
      secret: deps.sealer.open<string>(captcha.sealedSecret),
      token: check.token,
      remoteIp: check.remoteIp,
    },
    deps.captcha,
  );
  if (!verdict.success) {
    // Codes such as `invalid-input-secret` mean the operator's setup is wrong, not the visitor.
    if (verdict.errorCodes.some((c) => c.includes('secret'))) {
      deps.logger?.warn(
        { projectId: check.projectId, provider: captcha.provider, errorCodes: verdict.errorCodes },
        'CAPTCHA provider rejected the project secret',
      );
    }
    throw new AppError(
      'captcha_failed',
      'The CAPTCHA was not solved, or its token expired or was used already. Solve it again.',
      { field: 'captchaToken' },
    );
  }
}
