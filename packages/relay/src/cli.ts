#!/usr/bin/env -S node --max-old-space-size=256 --max-semi-space-size=8
// Heap settings (also in the root `start` and `relay` scripts). The relay's live set is ~25 MB;
// with a ceiling under 256 MB V8 grows the old generation by at most 2× between collections
// instead of 4× (a loaded relay near 140 MB instead of 240 MB), and 8 MB semi-spaces instead of
// 16 MB take another 15 MB off the peak, both at no cost in throughput (BENCHMARKS.md). Raise
// the ceiling with `node --max-old-space-size=N …` for very large rate-limit tables.
import fs from 'node:fs';
import pino from 'pino';
import { Command, Option } from 'commander';
import YAML from 'yaml';
import { ConfigError, loadConfig, type RelayConfig } from './config.js';
import { createRelay, type Relay } from './app.js';
import type { DemoCredentials } from './core/demo.js';
import { createKey, createProject, requireProject, revokeKey, setCountries, setDevelopment, setFallbacks, setLimits, setNumberTypes, setPrices, updateOrigins } from './core/admin.js';
import { addConnector, testConnector } from './core/admin-connectors.js';
import { saveTemplate } from './core/admin-templates.js';
import { cliActor } from './core/actor.js';
import { defaultPriceTable } from './core/pricing.js';
import { HttpError, isHttpError } from './core/http-error.js';
import { maskAddress } from './core/mask.js';
import { refusedPatterns } from './core/templates.js';
import { rotateSigningKey } from './core/verify/signing-keys.js';
import { describeVerifySettings, loadVerifySettings, setVerifySettings } from './core/verify/verify-settings.js';
import { connectorRegistry } from './connectors/registry.js';
import { numberTypes } from './store/types.js';

const program = new Command('messagejs-relay')
  .description('The self-hosted MessageJS relay: keys, templates, limits, a durable queue and provider connectors.')
  .showHelpAfterError();

const dataDirOption = () => new Option('--data-dir <dir>', 'data directory (env MESSAGEJS_DATA_DIR, default ./.messagejs)');
const projectOption = () => new Option('--project <id>', 'project id (prj_…)').makeOptionMandatory();

/**
 * Builds a relay for an admin command: no worker, quiet logs on stderr, so that what a command
 * prints on stdout (`--json`) stays parseable even when a warning is logged.
 */
async function openRelay(opts: { dataDir?: string }, overrides: Partial<RelayConfig> = {}): Promise<Relay> {
  const config = loadConfig({ ...process.env, ...(opts.dataDir && { MESSAGEJS_DATA_DIR: opts.dataDir }) }, { worker: false, logLevel: 'warn', ...overrides });
  return createRelay(config, { logDestination: pino.destination({ dest: 2, sync: true }) });
}

/** Runs an admin action against the store and closes it, printing errors plainly. */
// Commander hands options over untyped; each action declares the shape it reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CommandOptions = any;

function admin(action: (relay: Relay, opts: CommandOptions, ...args: string[]) => Promise<unknown>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const opts = command.opts<{ dataDir?: string; json?: boolean }>();
    const relay = await openRelay(opts);
    try {
      const result = await action(relay, opts, ...(args.slice(0, -2) as string[]));
      if (result !== undefined) print(result, opts.json);
    } finally {
      await relay.close();
    }
  };
}

function print(value: unknown, json?: boolean) {
  if (json || typeof value !== 'string') process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${value}\n`);
}

function parseDuration(value: string, now: number): number {
  const match = /^(\d+)\s*(m|h|d|w|y)$/.exec(value.trim());
  if (match) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 }[match[2] as 'm' | 'h' | 'd' | 'w' | 'y'];
    return now + Number(match[1]) * unit;
  }
  const at = Date.parse(value);
  if (Number.isNaN(at) || at <= now) throw new Error(`--expires takes a duration (30d, 12h, 1y) or a future date, not ${value}`);
  return at;
}

function banner(url: string, demo: DemoCredentials, relay: Relay): string {
  const lines = [
    '',
    '  MessageJS relay — first start: a demo project was created. These keys are shown ONCE.',
    '',
    `  Project       ${demo.projectId}`,
    `  Public key    ${demo.publicKey}    (for web pages; templates only)`,
    `  Secret key    ${demo.secretKey}    (for servers; never in a browser)`,
    `  Templates     ${demo.templates.join(', ')}`,
    `  Origins       ${demo.allowedOrigins.join(', ')}`,
    relay.masterKeyCreated ? `  Master key    ${relay.config.dataDir}/master.key (mode 0600 — back it up; it unlocks connector credentials)` : '',
    '',
    `  Demo page     ${url}/`,
    '  Try it:',
    `    curl -X POST ${url}/v1/messages -H 'Authorization: Bearer ${demo.secretKey}' -H 'Content-Type: application/json' \\`,
    `      -d '{"template":"order_update","to":"+212612345678","params":{"order":"A-1001","eta":"tomorrow"}}'`,
    '',
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}

program
  .command('start')
  .description('Run the relay and its worker.')
  .option('--port <n>', 'port (env PORT, default 8787)')
  .addOption(dataDirOption())
  .action(async (opts: { port?: string; dataDir?: string }) => {
    const config = loadConfig({
      ...process.env,
      ...(opts.port && { PORT: opts.port }),
      ...(opts.dataDir && { MESSAGEJS_DATA_DIR: opts.dataDir }),
    });
    const relay = await createRelay(config);
    const demo = await relay.ensureDemo();
    const { url } = await relay.listen();
    if (demo) process.stdout.write(`${banner(url, demo, relay)}\n`);
    relay.logger.info({ url, dataDir: config.dataDir, worker: config.worker }, 'relay listening');
    await warnRefusedPatterns(relay);
    process.stdout.write(`MessageJS relay listening on ${url} (data: ${config.dataDir})\n`);
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      relay.logger.info({ signal }, 'shutting down');
      relay.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });

program
  .command('worker')
  .description('Run only the outbox worker (no HTTP), e.g. as a second process on the same database.')
  .addOption(dataDirOption())
  .action(async (opts: { dataDir?: string }) => {
    const config = loadConfig({ ...process.env, ...(opts.dataDir && { MESSAGEJS_DATA_DIR: opts.dataDir }) }, { worker: true });
    const relay = await createRelay(config);
    relay.worker!.start();
    process.stdout.write(`MessageJS worker running (data: ${config.dataDir})\n`);
    const stop = () => void relay.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program
  .command('init')
  .description('Create the data directory and the demo project, and print its keys once.')
  .addOption(dataDirOption())
  .option('--json', 'print JSON')
  .action(async (opts: { dataDir?: string; json?: boolean }) => {
    const relay = await openRelay(opts);
    try {
      const demo = await relay.ensureDemo();
      if (!demo) {
        const projects = await relay.store.projects.list();
        throw new Error(
          `${relay.config.dataDir} is already initialised; its keys were shown once and cannot be shown again. ` +
            `Create a new key with: messagejs-relay keys create --project ${projects[0]?.id ?? 'prj_…'} --kind public`,
        );
      }
      if (opts.json) print(demo, true);
      else print(banner(`http://localhost:${relay.config.port}`, demo, relay));
    } finally {
      await relay.close();
    }
  });

const projects = program.command('projects').description('Manage projects.');
projects
  .command('create')
  .requiredOption('--name <name>')
  .option('--origins <list>', 'comma-separated allowed origins', '')
  .option('--countries <list>', 'comma-separated allowed destination countries (ISO alpha-2)', '')
  .option('--default-country <cc>', 'country for national-format numbers')
  .option('--development', 'a development project: the console connector prints its verification codes in full')
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { name: string; origins: string; countries: string; defaultCountry?: string; development?: boolean }) => {
      const now = Date.now();
      const project = await createProject(
        relay.store,
        {
          name: opts.name,
          allowedOrigins: splitList(opts.origins),
          allowedCountries: splitList(opts.countries),
          defaultCountry: opts.defaultCountry ?? null,
          development: opts.development === true,
        },
        now,
        cliActor,
        relay.sealer,
      );
      return project;
    }),
  );
projects.command('list').addOption(dataDirOption()).option('--json').action(admin(async (relay) => relay.store.projects.list()));
projects
  .command('development <onOff>')
  .description('mark a project as a development project (on) or not (off): only development projects see codes on the console connector')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string }, onOff) => {
      if (onOff !== 'on' && onOff !== 'off') throw new HttpError('validation_failed', 'Say `on` or `off`.', { field: 'development' });
      const project = await setDevelopment(relay.store, opts.project, onOff === 'on', Date.now(), cliActor);
      return { development: project.development };
    }),
  );

const keys = program.command('keys').description('Manage API keys (shown in full once, at creation).');
keys
  .command('create')
  .addOption(projectOption())
  .addOption(new Option('--kind <kind>', 'public (pages) or secret (servers)').choices(['public', 'secret']).makeOptionMandatory())
  .option('--name <name>')
  .option('--expires <when>', 'a duration (30d, 12h, 1y) or a date')
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string; kind: 'public' | 'secret'; name?: string; expires?: string }) => {
      const now = Date.now();
      const { key, secret } = await createKey(
        relay.store,
        { projectId: opts.project, kind: opts.kind, name: opts.name ?? null, expiresAt: opts.expires ? parseDuration(opts.expires, now) : null },
        now,
        cliActor,
      );
      return { id: key.id, kind: key.kind, key: secret, expiresAt: key.expiresAt && new Date(key.expiresAt).toISOString(), note: 'Shown once: store it now.' };
    }),
  );
keys
  .command('list')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string }) =>
      (await relay.store.keys.list(opts.project)).map((k) => ({
        id: k.id,
        kind: k.kind,
        prefix: `${k.prefix}…`,
        name: k.name,
        createdAt: new Date(k.createdAt).toISOString(),
        expiresAt: k.expiresAt && new Date(k.expiresAt).toISOString(),
        revoked: k.revokedAt !== null,
      })),
    ),
  );
keys
  .command('revoke <keyId>')
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, _opts, keyId) => {
      if (!(await revokeKey(relay.store, keyId!, Date.now(), cliActor))) throw new Error(`No active key ${keyId}.`);
      return `Revoked ${keyId}. Running relays refuse it within a few seconds.`;
    }),
  );
keys
  .command('rotate-signing')
  .description('New key for signing verification tokens; the JWKS keeps the previous one for tokens in flight and drops older ones.')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(admin(async (relay, opts: { project: string }) => rotateSigningKey(relay.store, relay.sealer, opts.project, Date.now(), cliActor)));

const origins = program.command('origins').description("Manage a project's allowed browser origins.");
for (const op of ['add', 'remove'] as const) {
  origins
    .command(`${op} <origin>`)
    .addOption(projectOption())
    .addOption(dataDirOption())
    .option('--json')
    .action(admin(async (relay, opts: { project: string }, origin) => (await updateOrigins(relay.store, opts.project, op, origin!, Date.now(), cliActor)).allowedOrigins));
}
origins
  .command('list')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(admin(async (relay, opts: { project: string }) => (await requireProject(relay.store, opts.project)).allowedOrigins));

const countries = program.command('countries').description('Manage allowed destination countries.');
countries
  .command('set <list>')
  .description('comma-separated ISO alpha-2 codes, e.g. MA,FR,US')
  .addOption(projectOption())
  .option('--default <cc>', 'default country for national-format numbers')
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string; default?: string }, list) => {
      const p = await setCountries(relay.store, opts.project, splitList(list!), opts.default, Date.now(), cliActor);
      return { allowedCountries: p.allowedCountries, defaultCountry: p.defaultCountry };
    }),
  );

const numberTypesCommand = program
  .command('number-types')
  .description(`Manage the number types SMS, WhatsApp and verification send to (${numberTypes.join(', ')}).`);
numberTypesCommand
  .command('set <list>')
  .description('comma-separated types, e.g. mobile,fixed_line_or_mobile,fixed_line (the default is mobile,fixed_line_or_mobile)')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string }, list) => ({
      allowedNumberTypes: (await setNumberTypes(relay.store, opts.project, splitList(list!), Date.now(), cliActor)).allowedNumberTypes,
    })),
  );
numberTypesCommand
  .command('show')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(admin(async (relay, opts: { project: string }) => ({ allowedNumberTypes: (await requireProject(relay.store, opts.project)).allowedNumberTypes })));

const templates = program.command('templates').description('Manage message templates.');
templates
  .command('add')
  .description('Add or replace a template, from a JSON/YAML file or flags.')
  .addOption(projectOption())
  .option('--file <path>', 'JSON or YAML file with {name, channel, recipient, body, params, subject?, html?, channels?}')
  .option('--name <name>')
  .option('--channel <channel>')
  .option('--to <recipient>', 'fixed recipient (omit to let callers choose)')
  .option('--subject <text>')
  .option('--body <text>')
  .option(
    '--param <spec...>',
    'name:text:100[:multiline,links] | name:email | name:number | name:pattern:REGEX (RE2 syntax, values up to 200 characters). ' +
      'When callers choose the recipient, text params refuse line breaks and links unless given multiline / links',
  )
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string; file?: string; name?: string; channel?: string; to?: string; subject?: string; body?: string; param?: string[] }) => {
      const input = opts.file
        ? (YAML.parse(fs.readFileSync(opts.file, 'utf8')) as unknown)
        : {
            name: opts.name,
            channel: opts.channel,
            recipient: opts.to ? { mode: 'fixed', to: opts.to } : { mode: 'caller' },
            ...(opts.subject && { subject: opts.subject }),
            body: opts.body,
            params: Object.fromEntries((opts.param ?? []).map(parseParamFlag)),
          };
      const t = await saveTemplate(relay.store, opts.project, input, Date.now(), cliActor);
      return { name: t.name, channel: t.channel, params: Object.keys(t.params) };
    }),
  );
templates
  .command('list')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string }) =>
      (await relay.store.templates.list(opts.project)).map((t) => ({ name: t.name, channel: t.channel, recipient: t.recipient.mode, params: Object.keys(t.params) })),
    ),
  );
templates
  .command('show <name>')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string }, name) => {
      const t = await relay.store.templates.get(opts.project, name!);
      if (!t) throw new Error(`No template ${name}.`);
      return { ...t, recipient: t.recipient.mode === 'fixed' ? { mode: 'fixed', to: maskAddress(t.recipient.to) } : t.recipient };
    }),
  );

const limits = program.command('limits').description('Manage rate limits.');
limits
  .command('set')
  .addOption(projectOption())
  .option('--per-key-per-hour <n>')
  .option('--per-ip-per-minute <n>')
  .option('--per-recipient-per-10-minutes <n>', 'per client for fixed-recipient templates')
  .option('--per-template-per-10-minutes <n>', 'fixed-recipient templates, all clients together')
  .option('--per-prefix-per-hour <n>')
  .option('--per-project-per-day <n>')
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: Record<string, string>) => {
      const patch = Object.fromEntries(
        (['perKeyPerHour', 'perIpPerMinute', 'perRecipientPer10Minutes', 'perTemplatePer10Minutes', 'perPrefixPerHour', 'perProjectPerDay'] as const)
          .filter((k) => opts[k] !== undefined)
          .map((k) => [k, Number(opts[k])]),
      );
      return (await setLimits(relay.store, opts.project!, patch, Date.now(), cliActor)).limits;
    }),
  );

const connectors = program.command('connectors').description('Manage provider connectors (credentials are sealed at once and never shown).');
connectors
  .command('add')
  .addOption(projectOption())
  .addOption(new Option('--type <type>', 'connector type').choices(Object.keys(connectorRegistry)).makeOptionMandatory())
  .option('--name <name>')
  .option('--channels <list>', 'comma-separated channels it serves (default: all it supports)')
  .option('--priority <n>', 'lower sends first among connectors of a channel', '100')
  .option('--config <json>', 'non-secret settings as JSON')
  .option('--credentials <json>', 'secret credentials as JSON (prefer --credentials-stdin: flags stay in shell history)')
  .option('--credentials-file <path>', 'secret credentials as a JSON/YAML file')
  .option('--credentials-stdin', 'read secret credentials as JSON from stdin')
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string; type: string; name?: string; channels?: string; priority: string; config?: string; credentials?: string; credentialsFile?: string; credentialsStdin?: boolean }) => {
      const credentials = opts.credentials
        ? (JSON.parse(opts.credentials) as unknown)
        : opts.credentialsFile
        ? (YAML.parse(fs.readFileSync(opts.credentialsFile, 'utf8')) as unknown)
        : opts.credentialsStdin
          ? (JSON.parse(fs.readFileSync(0, 'utf8')) as unknown)
          : undefined;
      const record = await addConnector(
        relay.store,
        relay.sealer,
        {
          projectId: opts.project,
          type: opts.type,
          ...(opts.name && { name: opts.name }),
          ...(opts.channels && { channels: splitList(opts.channels) as never }),
          priority: Number(opts.priority),
          config: opts.config ? (JSON.parse(opts.config) as unknown) : {},
          ...(credentials !== undefined && { credentials }),
        },
        Date.now(),
        cliActor,
      );
      return { id: record.id, type: record.type, channels: record.channels, priority: record.priority, credentials: record.sealedCredentials ? 'sealed' : 'none' };
    }),
  );
connectors
  .command('list')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string }) =>
      (await relay.store.connectors.list(opts.project)).map((c) => ({
        id: c.id,
        type: c.type,
        name: c.name,
        channels: c.channels,
        priority: c.priority,
        enabled: c.enabled,
        credentials: c.sealedCredentials ? 'sealed' : 'none',
      })),
    ),
  );

connectors
  .command('test <connectorId>')
  .description("Call the provider's cheapest authenticated endpoint with the stored credentials.")
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, _opts, id) => {
      const check = await testConnector(relay.store, relay.sealer, id!, relay.config.connectorBaseUrls);
      if (!check.ok) process.exitCode = 1;
      return check;
    }),
  );
const verify = program.command('verify').description('Phone verification (one-time codes) settings.');
verify
  .command('set')
  .description('Change how codes are made, sent and checked; unset flags keep their value.')
  .addOption(projectOption())
  .option('--code-length <n>', 'digits or letters in a code, 4–10 (default 6)')
  .addOption(new Option('--alphabet <alphabet>', 'numeric, or uppercase alphanumeric without look-alikes (default numeric)').choices(['numeric', 'alphanumeric']))
  .option('--ttl-minutes <n>', 'minutes a code stays valid, 1–30 (default 10)')
  .option('--max-attempts <n>', 'wrong codes before a session closes, 1–10 (default 5)')
  .option('--cooldown-seconds <n>', 'seconds before a code may be sent again (default 30)')
  .option('--max-sends <n>', "codes per recipient per 10 minutes at one client's request: a public key's IP, or the backend (default 5)")
  .option('--max-sends-per-recipient <n>', 'codes per recipient per 10 minutes, all clients together (default 15)')
  .option('--max-sends-per-key-per-hour <n>', 'codes a public key may have sent per hour (default 200)')
  .option('--max-sends-per-country-per-day <n>', 'codes per country per 24 hours, every key (default 1000)')
  .option('--max-sends-per-prefix-per-day <n>', 'codes per number range (country code + 3 digits) per 24 hours, every key (default 200)')
  .option('--guard-min-success-percent <n>', 'throttle a country or range when fewer codes sent there in the last hour were verified; 0 turns the guard off (default 20)')
  .option('--guard-min-sends <n>', 'codes sent to a country or range in the last hour before the guard judges it (default 20)')
  .option('--token-ttl-minutes <n>', 'lifetime of the signed token a valid check returns, 1–60 (default 10)')
  .option('--brand <name>', '{{brand}} in the message (default: the project name)')
  .option('--body <text>', 'message template with {{code}}, {{brand}} and {{ttl}}')
  .option('--subject <text>', 'email subject template with {{brand}} and {{ttl}}')
  .addOption(
    new Option('--captcha <provider>', "CAPTCHA required from public keys before a code is sent (pow: the relay's own proof of work, no secret)").choices([
      'pow',
      'turnstile',
      'hcaptcha',
      'recaptcha',
      'none',
    ]),
  )
  .option('--captcha-on-sends', 'require the CAPTCHA for public-key template sends too')
  .option('--no-captcha-on-sends', 'do not require the CAPTCHA for sends (default)')
  .option('--pow-max-number <n>', 'proof-of-work difficulty: hashes tried at most, half on average, 1000–5000000 (default 100000)')
  .option('--captcha-secret <secret>', "the CAPTCHA provider's secret key (sealed at once)")
  .option('--captcha-secret-stdin', 'read the CAPTCHA secret from stdin (keeps it out of shell history)')
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: Record<string, string | boolean | undefined>) => {
      const int = (name: string) => (opts[name] === undefined ? undefined : Number(opts[name]));
      const text = (name: string) => (typeof opts[name] === 'string' ? opts[name] : undefined);
      const captchaSecret = opts.captchaSecretStdin ? fs.readFileSync(0, 'utf8').trim() : text('captchaSecret');
      const patch = Object.fromEntries(
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
      return setVerifySettings(relay.store, relay.sealer, text('project')!, patch, Date.now(), cliActor);
    }),
  );
verify
  .command('show')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string }) => {
      const project = await requireProject(relay.store, opts.project);
      return describeVerifySettings(await loadVerifySettings(relay.store, project.id), project.name);
    }),
  );

const prices = program.command('prices').description("Manage a project's price table (EUR and MAD per SMS segment or per message).");
prices
  .command('set')
  .addOption(projectOption())
  .option('--file <path>', 'JSON or YAML: { sms: { MA: { eur: 0.03, mad: 0.32 }, "*": { … } }, whatsapp: { … } }')
  .option('--default', "use the relay's default table again")
  .addOption(dataDirOption())
  .option('--json')
  .action(
    admin(async (relay, opts: { project: string; file?: string; default?: boolean }) => {
      if (!opts.file && !opts.default) throw new Error('Pass --file prices.yaml, or --default.');
      const table = opts.default ? null : (YAML.parse(fs.readFileSync(opts.file!, 'utf8')) as unknown);
      return (await setPrices(relay.store, opts.project, table, Date.now(), cliActor)).prices ?? 'default prices';
    }),
  );
prices
  .command('show')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(admin(async (relay, opts: { project: string }) => (await requireProject(relay.store, opts.project)).prices ?? defaultPriceTable));

const fallbacks = program.command('fallbacks').description('Manage channel fallbacks (used when a message names no `channels`).');
fallbacks
  .command('set <channel> [to]')
  .description('e.g. `fallbacks set whatsapp sms`; no list removes the fallback')
  .addOption(projectOption())
  .addOption(dataDirOption())
  .option('--json')
  .action(admin(async (relay, opts: { project: string }, channel, to) => (await setFallbacks(relay.store, opts.project, channel!, splitList(to ?? ''), Date.now(), cliActor)).fallbacks));

/** Names, at start, the stored template patterns that the pattern engine refuses: their sends fail closed. */
async function warnRefusedPatterns(relay: Relay): Promise<void> {
  for (const project of await relay.store.projects.list()) {
    for (const refused of refusedPatterns(await relay.store.templates.list(project.id))) {
      relay.logger.warn({ project: project.id, ...refused }, 'template pattern refused: sends with this template answer template_invalid until it is saved again');
      process.stderr.write(
        `Warning: template ${refused.template} (project ${project.id}), param ${refused.param}: the pattern ${refused.reason}. Sends with it answer 422 template_invalid until the template is saved again.\n`,
      );
    }
  }
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * One `--param` flag: `name` (text, 200), `name:text:100`, `name:text:100:multiline,links`,
 * `name:email`, `name:number` or `name:pattern:REGEX` (the regex may contain colons).
 */
function parseParamFlag(spec: string): [string, unknown] {
  const [name = '', type = 'text', ...rest] = spec.split(':');
  switch (type) {
    case 'text': {
      const [size = '', options = '', ...extra] = rest;
      const opts = options.split(',').filter(Boolean);
      const unknown = [...opts.filter((o) => o !== 'multiline' && o !== 'links'), ...extra];
      if (unknown.length > 0) throw new Error(`--param ${spec}: text options are multiline and links (name:text:100:multiline,links)`);
      return [
        name,
        {
          type: 'text',
          maxLength: size ? Number(size) : 200,
          ...(opts.includes('multiline') && { multiline: true }),
          ...(opts.includes('links') && { allowLinks: true }),
        },
      ];
    }
    case 'email':
      return [name, { type: 'email' }];
    case 'number':
      return [name, { type: 'number' }];
    case 'pattern':
      return [name, { type: 'pattern', pattern: rest.join(':') }];
    default:
      throw new Error(`--param ${spec}: the type must be text, email, number or pattern`);
  }
}

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else if (isHttpError(error)) {
    process.stderr.write(`Error (${error.code}${error.field ? `, ${error.field}` : ''}): ${error.message}\n`);
  } else {
    process.stderr.write(`Error: ${(error as Error)?.message ?? String(error)}\n`);
  }
  process.exitCode = 1;
});
