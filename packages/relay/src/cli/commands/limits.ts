import type { Command } from 'commander';
import { setLimits } from '../../features/projects/admin.js';
import type { ProjectLimits } from '../../store/types.js';
import { adminAction, projectOption } from '../options.js';

const limitNames = [
  'perKeyPerHour',
  'perIpPerMinute',
  'perRecipientPer10Minutes',
  'perTemplatePer10Minutes',
  'perPrefixPerHour',
  'perProjectPerDay',
] as const;

/** `limits set`: a project's rate limits; unset flags keep their value. */
export function registerLimits(program: Command): void {
  const limits = program.command('limits').description('Manage rate limits.');
  adminAction(
    limits
      .command('set')
      .description("Change a project's rate limits; unset flags keep their value.")
      .addOption(projectOption())
      .option('--per-key-per-hour <n>')
      .option('--per-ip-per-minute <n>')
      .option('--per-recipient-per-10-minutes <n>', 'per client for fixed-recipient templates')
      .option('--per-template-per-10-minutes <n>', 'fixed-recipient templates, all clients together')
      .option('--per-prefix-per-hour <n>')
      .option('--per-project-per-day <n>'),
    async ({ store, actor, now }, opts: Record<string, string>) => {
      const patch: Partial<ProjectLimits> = Object.fromEntries(
        limitNames.filter((k) => opts[k] !== undefined).map((k) => [k, Number(opts[k])]),
      );
      return (await setLimits(store, opts.project!, patch, now, actor)).limits;
    },
  );
}
