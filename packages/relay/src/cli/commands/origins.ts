import type { Command } from 'commander';
import { readSettings, updateOrigins } from '../../features/projects/admin.js';
import { adminAction, projectOption } from '../options.js';

/** `origins add | remove | list`: a project's allowed browser origins. */
export function registerOrigins(program: Command): void {
  const origins = program.command('origins').description("Manage a project's allowed browser origins.");
  for (const op of ['add', 'remove'] as const) {
    adminAction(
      origins
        .command(`${op} <origin>`)
        .description(
          op === 'add'
            ? 'Allow a browser origin (https://shop.example; a trailing slash or capitals are fine, a path is not).'
            : 'Stop allowing a browser origin.',
        )
        .addOption(projectOption()),
      async ({ store, actor, now }, opts: { project: string }, origin) =>
        (await updateOrigins(store, opts.project, op, origin, now, actor)).allowedOrigins,
    );
  }
  adminAction(
    origins.command('list').description("List a project's allowed origins.").addOption(projectOption()),
    async ({ store, actor }, opts: { project: string }) =>
      (await readSettings(store, opts.project, actor.principal)).allowedOrigins,
  );
}
