import fs from 'node:fs';
import { Option, type Command } from 'commander';
import {
  setVerifySettings,
  showVerifySettings,
  type VerifySettingsPatch,
} from '../../features/verify/verify-settings.js';
import { adminAction, projectOption } from '../options.js';

type SetOptions = Record<string, string | boolean | undefined>;

/** The `verify set` flags as a settings patch: only the flags given, numbers as numbers. */
function settingsPatch(opts: SetOptions): VerifySettingsPatch {
  const int = (name: string) => (opts[name] === undefined ? undefined : Number(opts[name]));
  const text = (name: string) => (typeof opts[name] === 'string' ? opts[name] : undefined);
  const captchaSecret = opts.captchaSecretStdin ? fs.readFileSync(0, 'utf8').trim() : text('captchaSecret');
  return Object.fromEntries(
    Object.entries({
      codeLength: int('codeLength'),
      alphabet: text('alphabet'),
      ttlMinutes: int('ttlMinutes'),
      maxAttempts: int('maxAttempts'),
      cooldownSeconds: int('cooldownSeconds'),
      maxSendsPer10Minutes: int('maxSends'),
      maxSendsPerRecipientPer10Minutes: int('maxSendsPerRecipient'),
      maxSendsPerKeyPerHour: int('maxSendsPerKeyPerHour'),
      maxSendsPerCountryPerDay: int('maxSendsPerCountryPerDay'),
      maxSendsPerPrefixPerDay: int('maxSendsPerPrefixPerDay'),
      guardMinSuccessPercent: int('guardMinSuccessPercent'),
      guardMinSends: int('guardMinSends'),
      tokenTtlMinutes: int('tokenTtlMinutes'),
      brand: text('brand'),
      body: text('body'),
      subject: text('subject'),
      captcha: text('captcha'),
      captchaSecret,
      captchaOnSends: typeof opts.captchaOnSends === 'boolean' ? opts.captchaOnSends : undefined,
      powMaxNumber: int('powMaxNumber'),
    }).filter(([, v]) => v !== undefined),
  );
}

function setCommand(verify: Command): Command {
  return verify
    .command('set')
    .description('Change how codes are made, sent and checked; unset flags keep their value.')
    .addOption(projectOption())
    .option('--code-length <n>', 'digits or letters in a code, 4–10 (default 6)')
    .addOption(
      new Option(
        '--alphabet <alphabet>',
        'numeric, or uppercase alphanumeric without look-alikes (default numeric)',
      ).choices(['numeric', 'alphanumeric']),
    )
    .option('--ttl-minutes <n>', 'minutes a code stays valid, 1–30 (default 10)')
    .option('--max-attempts <n>', 'wrong codes before a session closes, 1–10 (default 5)')
    .option('--cooldown-seconds <n>', 'seconds before a code may be sent again (default 30)')
    .option(
      '--max-sends <n>',
      "codes per recipient per 10 minutes at one client's request: a public key's IP, or the backend (default 5)",
    )
    .option('--max-sends-per-recipient <n>', 'codes per recipient per 10 minutes, all clients together (default 15)')
    .option('--max-sends-per-key-per-hour <n>', 'codes a public key may have sent per hour (default 200)')
    .option('--max-sends-per-country-per-day <n>', 'codes per country per 24 hours, every key (default 1000)')
    .option(
      '--max-sends-per-prefix-per-day <n>',
      'codes per number range (country code + 3 digits) per 24 hours, every key (default 200)',
    )
    .option(
      '--guard-min-success-percent <n>',
      'throttle a country or range when fewer codes sent there in the last hour were verified; 0 turns the guard off (default 20)',
    )
    .option(
      '--guard-min-sends <n>',
      'codes sent to a country or range in the last hour before the guard judges it (default 20)',
    )
    .option('--token-ttl-minutes <n>', 'lifetime of the signed token a valid check returns, 1–60 (default 10)')
    .option('--brand <name>', '{{brand}} in the message (default: the project name)')
    .option('--body <text>', 'message template with {{code}}, {{brand}} and {{ttl}}')
    .option('--subject <text>', 'email subject template with {{brand}} and {{ttl}}')
    .addOption(
      new Option(
        '--captcha <provider>',
        "CAPTCHA required from public keys before a code is sent (pow: the relay's own proof of work, no secret)",
      ).choices(['pow', 'turnstile', 'hcaptcha', 'recaptcha', 'none']),
    )
    .option('--captcha-on-sends', 'require the CAPTCHA for public-key template sends too')
    .option('--no-captcha-on-sends', 'do not require the CAPTCHA for sends (default)')
    .option(
      '--pow-max-number <n>',
      'proof-of-work difficulty: hashes tried at most, half on average, 1000–5000000 (default 100000)',
    )
    .option('--captcha-secret <secret>', "the CAPTCHA provider's secret key (sealed at once)")
    .option('--captcha-secret-stdin', 'read the CAPTCHA secret from stdin (keeps it out of shell history)');
}

/** `verify set | show`: a project's phone verification settings. */
export function registerVerify(program: Command): void {
  const verify = program.command('verify').description('Phone verification (one-time codes) settings.');
  adminAction(setCommand(verify), async ({ store, sealer, actor, now }, opts: SetOptions) =>
    setVerifySettings(store, sealer, opts.project as string, settingsPatch(opts), now, actor),
  );
  adminAction(
    verify
      .command('show')
      .description('Show the verification settings (the CAPTCHA secret only as sealed).')
      .addOption(projectOption()),
    async ({ store, actor }, opts: { project: string }) => showVerifySettings(store, opts.project, actor.principal),
  );
}
