import { verifySettingsPatchSchema } from '@messagejs/shared-types';
import type { z } from 'zod';
import type { Store, VerifySettings } from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';
import { AppError } from '../../domain/app-error.js';
import { projectFor } from '../projects/require-project.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { systemPrincipal, type Principal } from '../../domain/principal.js';
import { recordChange } from '../audit/record-change.js';
import { toValidationError } from '../../domain/validation.js';
import { DEFAULT_POW_MAX_NUMBER } from './proof-of-work.js';

/** What a project's verification uses when nothing was set. */
export const defaultVerifySettings: Readonly<VerifySettings> = Object.freeze({
  codeLength: 6,
  alphabet: 'numeric',
  ttlMinutes: 10,
  maxAttempts: 5,
  cooldownSeconds: 30,
  maxSendsPer10Minutes: 5,
  maxSendsPerRecipientPer10Minutes: 15,
  maxSendsPerKeyPerHour: 200,
  maxSendsPerCountryPerDay: 1000,
  maxSendsPerPrefixPerDay: 200,
  guardMinSuccessPercent: 20,
  guardMinSends: 20,
  brand: null,
  body: null,
  subject: null,
  tokenTtlMinutes: 10,
  captcha: null,
  captchaOnSends: false,
  powMaxNumber: DEFAULT_POW_MAX_NUMBER,
});

/** The message a code travels in, unless the project sets its own. */
export const DEFAULT_VERIFY_BODY = '{{code}} is your {{brand}} verification code. It expires in {{ttl}} minutes.';
export const DEFAULT_VERIFY_SUBJECT = '{{brand}} verification code';

/** A `verify set` patch: each field optional; `null` restores the default (the wire contract's schema). */
export { verifySettingsPatchSchema };
export type VerifySettingsPatch = z.input<typeof verifySettingsPatchSchema>;

/** A project's settings with defaults filled in. */
export async function loadVerifySettings(store: Store, projectId: string): Promise<VerifySettings> {
  const stored = await store.verify.getSettings(projectId);
  const settings: VerifySettings = { ...defaultVerifySettings };
  for (const [name, value] of Object.entries(stored) as Array<[keyof VerifySettings, unknown]>) {
    if (value !== undefined && value !== null) (settings as unknown as Record<string, unknown>)[name] = value;
  }
  return settings;
}

/** What `verify set` and `verify show` print: the settings, the CAPTCHA secret only as "sealed". */
export function describeVerifySettings(settings: VerifySettings, projectName: string) {
  const { captcha, ...rest } = settings;
  return {
    ...rest,
    brand: settings.brand ?? projectName,
    body: settings.body ?? DEFAULT_VERIFY_BODY,
    subject: settings.subject ?? DEFAULT_VERIFY_SUBJECT,
    captcha: captcha
      ? captcha.provider === 'pow'
        ? { provider: 'pow' }
        : { provider: captcha.provider, secret: 'sealed' }
      : 'none',
  };
}

/** What `verify show` prints: the project's settings with defaults filled in, secrets as "sealed". */
export async function showVerifySettings(store: Store, projectId: string, principal: Principal = systemPrincipal) {
  const project = await projectFor(store, projectId, 'manage_settings', principal);
  return describeVerifySettings(await loadVerifySettings(store, project.id), project.name);
}

/**
 * Updates a project's verification settings (`messagejs-relay verify set`). A CAPTCHA secret is
 * sealed at once, like connector credentials, and never shown again.
 */
export async function setVerifySettings(
  store: Store,
  sealer: Sealer,
  projectId: string,
  patch: VerifySettingsPatch,
  now: number,
  actor: Actor = systemActor,
) {
  const project = await projectFor(store, projectId, 'manage_settings', actor.principal);
  const parsed = verifySettingsPatchSchema.safeParse(patch);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { captcha, captchaSecret, ...fields } = parsed.data;
  const next: Partial<VerifySettings> = { ...(await store.verify.getSettings(projectId)) };
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (value === null) delete next[name as keyof VerifySettings];
    else (next as Record<string, unknown>)[name] = value;
  }
  if (captcha === 'none') {
    if (captchaSecret !== undefined)
      throw new AppError('validation_failed', '`captchaSecret` makes no sense with `--captcha none`.', {
        field: 'captchaSecret',
      });
    delete next.captcha;
    // Without a CAPTCHA there is nothing to ask of sends either.
    if (fields.captchaOnSends === undefined) delete next.captchaOnSends;
  } else if (captcha === 'pow') {
    if (captchaSecret !== undefined)
      throw new AppError('validation_failed', '`--captcha pow` needs no secret: the relay signs its own challenges.', {
        field: 'captchaSecret',
      });
    next.captcha = { provider: 'pow' };
  } else if (captcha) {
    if (!captchaSecret)
      throw new AppError(
        'validation_failed',
        `\`--captcha ${captcha}\` needs the provider's secret: pass \`--captcha-secret\`.`,
        { field: 'captchaSecret' },
      );
    next.captcha = { provider: captcha, sealedSecret: sealer.seal(captchaSecret) };
  } else if (captchaSecret !== undefined) {
    if (!next.captcha || next.captcha.provider === 'pow') {
      throw new AppError('validation_failed', 'Name the provider with `--captcha turnstile|hcaptcha|recaptcha`.', {
        field: 'captcha',
      });
    }
    next.captcha = { provider: next.captcha.provider, sealedSecret: sealer.seal(captchaSecret) };
  }
  if (next.captchaOnSends && !next.captcha) {
    throw new AppError(
      'validation_failed',
      '`--captcha-on-sends` needs a CAPTCHA: pass `--captcha pow` (or a provider).',
      { field: 'captchaOnSends' },
    );
  }
  const before = describeVerifySettings(await loadVerifySettings(store, projectId), project.name);
  await store.verify.saveSettings(projectId, next);
  const after = describeVerifySettings(await loadVerifySettings(store, projectId), project.name);
  await recordChange(store, actor, {
    projectId,
    action: 'verify.settings',
    resource: { type: 'project', id: projectId },
    detail: { fields: Object.keys(parsed.data).filter((k) => k !== 'captchaSecret') },
    before,
    after,
    at: now,
  });
  return after;
}
