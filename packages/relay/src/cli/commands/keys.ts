import { Option, type Command } from 'commander';
import {
  createKey,
  getKey,
  listKeys,
  revokeKey,
  rotateKey,
  updateKey,
  keyView,
} from '../../features/projects/admin.js';
import { rotateSigningKey } from '../../features/verify/signing-keys.js';
import { adminAction, projectOption } from '../options.js';
import { parseDuration } from '../parse.js';

interface CreateOptions {
  project: string;
  kind: 'public' | 'secret';
  name?: string;
  expires?: string;
  perHour?: string;
  perMinute?: string;
}

interface UpdateOptions {
  project: string;
  name?: string;
  perHour?: string;
  perMinute?: string;
  rateLimit?: boolean;
}

/** `--per-hour` / `--per-minute` as a key's own rate limit, or undefined when neither was given. */
function rateLimitOf(opts: { perHour?: string; perMinute?: string }) {
  if (opts.perHour === undefined && opts.perMinute === undefined) return undefined;
  return {
    ...(opts.perHour !== undefined && { perHour: Number(opts.perHour) }),
    ...(opts.perMinute !== undefined && { perMinute: Number(opts.perMinute) }),
  };
}

const SHOWN_ONCE = 'Shown once: store it now.';
/** `--project`, optional where a key id alone names the key. */
const anyProject = () => new Option('--project <id>', 'the key’s project (prj_…)');

function registerCreate(keys: Command): void {
  adminAction(
    keys
      .command('create')
      .description('Create a key; it is printed in full this once.')
      .addOption(projectOption())
      .addOption(
        new Option('--kind <kind>', 'public (pages) or secret (servers)')
          .choices(['public', 'secret'])
          .makeOptionMandatory(),
      )
      .option('--name <name>', 'a name to recognise it by')
      .option('--expires <when>', 'a duration (30d, 12h, 1y) or a date')
      .option('--per-hour <n>', "the key's own limit of requests per hour (default: the project's per-key limit)")
      .option('--per-minute <n>', "the key's own limit of requests per minute"),
    async ({ store, actor, now }, opts: CreateOptions) => {
      const expiresAt = opts.expires ? parseDuration(opts.expires, now) : null;
      const { key, secret } = await createKey(
        store,
        { projectId: opts.project, kind: opts.kind, name: opts.name ?? null, expiresAt, rateLimit: rateLimitOf(opts) },
        now,
        actor,
      );
      return { key: secret, apiKey: keyView(key, now), note: SHOWN_ONCE };
    },
  );
}

function registerChanges(keys: Command): void {
  adminAction(
    keys
      .command('update <keyId>')
      .description("Rename a key or set its own rate limit (--no-rate-limit: back to the project's per-key limit).")
      .addOption(projectOption())
      .option('--name <name>', 'a new name')
      .option('--per-hour <n>', 'requests per hour')
      .option('--per-minute <n>', 'requests per minute')
      .option('--no-rate-limit', "drop the key's own limit"),
    async ({ store, actor, now }, opts: UpdateOptions, keyId) => {
      const rateLimit = opts.rateLimit === false ? null : rateLimitOf(opts);
      const body = {
        ...(opts.name !== undefined && { name: opts.name }),
        ...(rateLimit !== undefined && { rateLimit }),
      };
      return updateKey(store, { projectId: opts.project, keyId: keyId }, body, now, actor);
    },
  );
  adminAction(
    keys
      .command('revoke <keyId>')
      .description('Revoke a key at once (running relays refuse it within a few seconds).')
      .addOption(anyProject()),
    async ({ store, actor, now }, opts: { project?: string }, keyId) => {
      await revokeKey(store, opts.project ?? null, keyId, now, actor);
      return `Revoked ${keyId}. Running relays refuse it within a few seconds.`;
    },
  );
  adminAction(
    keys
      .command('rotate <keyId>')
      .description('Replace a key: the new one is printed once; the old one keeps working for the grace period.')
      .addOption(anyProject())
      .option('--grace <seconds>', 'seconds the old key keeps working, 0 to 604800 (default 86400, a day)'),
    async ({ store, actor, now }, opts: { project?: string; grace?: string }, keyId) => {
      const body = opts.grace === undefined ? {} : { graceSeconds: Number(opts.grace) };
      const rotated = await rotateKey(store, { projectId: opts.project ?? null, keyId: keyId }, body, now, actor);
      return { ...rotated, note: SHOWN_ONCE };
    },
  );
}

/** `keys create | list | show | update | revoke | rotate | rotate-signing`. */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Manage API keys (shown in full once, at creation).');
  registerCreate(keys);
  adminAction(
    keys
      .command('list')
      .description("List a project's keys: prefixes only, with when each was last used.")
      .addOption(projectOption()),
    async ({ store, actor }, opts: { project: string }) => listKeys(store, opts.project, actor.principal),
    ['id', 'kind', 'prefix', 'name', 'status', 'lastUsedAt', 'expiresAt'],
  );
  adminAction(
    keys.command('show <keyId>').description('Show one key (its prefix, never the key).').addOption(projectOption()),
    async ({ store, actor, now }, opts: { project: string }, keyId) =>
      getKey(store, opts.project, keyId, actor.principal, now),
  );
  registerChanges(keys);
  adminAction(
    keys
      .command('rotate-signing')
      .description(
        'New key for signing verification tokens; the JWKS keeps the previous one for tokens in flight and drops older ones.',
      )
      .addOption(projectOption()),
    async ({ store, sealer, actor, now }, opts: { project: string }) =>
      rotateSigningKey(store, sealer, opts.project, now, actor),
  );
}
