import fs from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { setPrices, showPrices } from '../../features/projects/admin.js';
import { adminAction, projectOption } from '../options.js';

/** `prices set | show`: a project's price table. */
export function registerPrices(program: Command): void {
  const prices = program
    .command('prices')
    .description("Manage a project's price table (EUR and MAD per SMS segment or per message).");
  adminAction(
    prices
      .command('set')
      .description("Set a project's price table from a file, or go back to the relay's default one.")
      .addOption(projectOption())
      .option('--file <path>', 'JSON or YAML: { sms: { MA: { eur: 0.03, mad: 0.32 }, "*": { … } }, whatsapp: { … } }')
      .option('--default', "use the relay's default table again"),
    async ({ store, actor, now }, opts: { project: string; file?: string; default?: boolean }) => {
      if (!opts.file && !opts.default) throw new Error('Pass --file prices.yaml, or --default.');
      const table = opts.default ? null : (YAML.parse(fs.readFileSync(opts.file!, 'utf8')) as unknown);
      return (await setPrices(store, opts.project, table, now, actor)).prices ?? 'default prices';
    },
  );
  adminAction(
    prices.command('show').description('Show the price table cost estimates use.').addOption(projectOption()),
    async ({ store, actor }, opts: { project: string }) => showPrices(store, opts.project, actor.principal),
  );
}
