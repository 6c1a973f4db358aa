import { Option, type Command } from 'commander';
import { createKey, keyView, listKeys, revokeKey } from '../../features/projects/admin.js';
import { rotateSigningKey } from '../../features/verify/signing-keys.js';
import { adminAction, projectOption } from '../options.js';
import { parseDuration } from '../parse.js';

interface CreateOptions {
  project: string;
  kind: 'public' | 'secret';
  name?: string;
  expires?: string;
}

/** `keys create | list | revoke | rotate-signing`. */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Manage API keys (shown in full once, at creation).');
  adminAction(
    keys
      .command('create')
      .addOption(projectOption())
      .addOption(
        new Option('--kind <kind>', 'public (pages) or secret (servers)')
          .choices(['public', 'secret'])
          .makeOptionMandatory(),
      )
      .option('--name <name>')
      .option('--expires <when>', 'a duration (30d, 12h, 1y) or a date'),
    async ({ store, actor, now }, opts: CreateOptions) => {
      const expiresAt = opts.expires ? parseDuration(opts.expires, now) : null;
      const { key, secret } = await createKey(
        store,
        { projectId: opts.project, kind: opts.kind, name: opts.name ?? null, expiresAt },
        now,
        actor,
      );
      return {
        id: key.id,
        kind: key.kind,
        key: secret,
        expiresAt: keyView(key).expiresAt,
        note: 'Shown once: store it now.',
      };
    },
  );
  adminAction(keys.command('list').addOption(projectOption()), async ({ store }, opts: { project: string }) =>
    listKeys(store, opts.project),
  );
  adminAction(keys.command('revoke <keyId>'), async ({ store, actor, now }, _opts, keyId) => {
    if (!(await revokeKey(store, keyId, now, actor))) throw new Error(`No active key ${keyId}.`);
    return `Revoked ${keyId}. Running relays refuse it within a few seconds.`;
  });
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
