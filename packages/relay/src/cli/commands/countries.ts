import type { Command } from 'commander';
import { setCountries } from '../../features/projects/admin.js';
import { adminAction, projectOption } from '../options.js';
import { splitList } from '../parse.js';

/** `countries set`: the destination countries a project may send to. */
export function registerCountries(program: Command): void {
  const countries = program.command('countries').description('Manage allowed destination countries.');
  adminAction(
    countries
      .command('set <list>')
      .description('Set the destination countries: comma-separated ISO alpha-2 codes, e.g. MA,FR,US.')
      .addOption(projectOption())
      .option('--default <cc>', 'default country for national-format numbers'),
    async ({ store, actor, now }, opts: { project: string; default?: string }, list) => {
      const p = await setCountries(store, opts.project, splitList(list), opts.default, now, actor);
      return { allowedCountries: p.allowedCountries, defaultCountry: p.defaultCountry };
    },
  );
}
