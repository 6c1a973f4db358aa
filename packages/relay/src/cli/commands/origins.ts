import type { Command } from 'commander';
import { requireProject, updateOrigins } from '../../features/projects/admin.js';
import { adminAction, projectOption } from '../options.js';

/** `origins add | remove | list`: a project's allowed browser origins. */
export function registerOrigins(program: Command): void {
  const origins = program.command('origins').description("Manage a project's allowed browser origins.");
  for (const op of ['add', 'remove'] as const) {
    adminAction(
      origins.command(`${op} <origin>`).addOption(projectOption()),
      async ({ store, actor, now }, opts: { project: string }, origin) =>
        (await updateOrigins(store, opts.project, op, origin, now, actor)).allowedOrigins,
    );
  }
  adminAction(
    origins.command('list').addOption(projectOption()),
    async ({ store }, opts: { project: string }) => (await requireProject(store, opts.project)).allowedOrigins,
  );
}
