import type { Command } from 'commander';
import { setQuietHours } from '../../features/projects/admin.js';
import { adminAction, projectOption } from '../options.js';

/** `quiet-hours set|clear`: the hours marketing messages wait out (issue 16). */
export function registerQuietHours(program: Command): void {
  const quiet = program
    .command('quiet-hours')
    .description('Manage quiet hours: marketing messages wait them out in the recipient’s time zone.');
  adminAction(
    quiet
      .command('set <start> <end>')
      .description('Set quiet hours, e.g. `quiet-hours set 21:00 08:00 --time-zone Europe/Paris`.')
      .option('--time-zone <zone>', 'the IANA time zone used when the recipient’s is not known', 'UTC')
      .addOption(projectOption()),
    async ({ store, actor, now }, opts: { project: string; timeZone: string }, start, end) => ({
      quietHours:
        (await setQuietHours(store, opts.project, { start, end, timeZone: opts.timeZone }, now, actor)).quietHours ??
        null,
    }),
  );
  adminAction(
    quiet.command('clear').description('Remove the quiet hours.').addOption(projectOption()),
    async ({ store, actor, now }, opts: { project: string }) => ({
      quietHours: (await setQuietHours(store, opts.project, null, now, actor)).quietHours ?? null,
    }),
  );
}
