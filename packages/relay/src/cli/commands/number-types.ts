import type { Command } from 'commander';
import { readSettings, setNumberTypes } from '../../features/projects/admin.js';
import { numberTypes } from '../../store/types.js';
import { adminAction, projectOption } from '../options.js';
import { splitList } from '../parse.js';

/** `number-types set | show`: the kinds of phone number SMS, WhatsApp and verification send to. */
export function registerNumberTypes(program: Command): void {
  const command = program
    .command('number-types')
    .description(`Manage the number types SMS, WhatsApp and verification send to (${numberTypes.join(', ')}).`);
  adminAction(
    command
      .command('set <list>')
      .description(
        'Set the number types: comma-separated, e.g. mobile,fixed_line_or_mobile,fixed_line (the default is mobile,fixed_line_or_mobile).',
      )
      .addOption(projectOption()),
    async ({ store, actor, now }, opts: { project: string }, list) => ({
      allowedNumberTypes: (await setNumberTypes(store, opts.project, splitList(list), now, actor)).allowedNumberTypes,
    }),
  );
  adminAction(
    command.command('show').description('Show the number types phone channels send to.').addOption(projectOption()),
    async ({ store, actor }, opts: { project: string }) => ({
      allowedNumberTypes: (await readSettings(store, opts.project, actor.principal)).allowedNumberTypes,
    }),
  );
}
