import type { Command } from 'commander';
import { setFallbacks } from '../../features/projects/admin.js';
import { adminAction, projectOption } from '../options.js';
import { splitList } from '../parse.js';

/** `fallbacks set`: the channels a channel falls back to. */
export function registerFallbacks(program: Command): void {
  const fallbacks = program
    .command('fallbacks')
    .description('Manage channel fallbacks (used when a message names no `channels`).');
  adminAction(
    fallbacks
      .command('set <channel> [to]')
      .description(
        'Set where a channel falls back to, e.g. `fallbacks set whatsapp sms`; no list removes the fallback.',
      )
      .addOption(projectOption()),
    async ({ store, actor, now }, opts: { project: string }, channel, to) =>
      (await setFallbacks(store, opts.project, channel, splitList(to ?? ''), now, actor)).fallbacks,
  );
}
