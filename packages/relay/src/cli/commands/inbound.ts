import type { Command } from 'commander';
import { recentInbound } from '../../features/inbound/inbound-history.js';
import { adminAction, projectOption } from '../options.js';

const columns = ['id', 'receivedAt', 'channel', 'from', 'text', 'keyword', 'userId'];

/** `inbound list`: the messages recipients sent to a project (issue 15). */
export function registerInbound(program: Command): void {
  const inbound = program
    .command('inbound')
    .description('Read the messages recipients sent to a project’s numbers and bots.');
  adminAction(
    inbound
      .command('list')
      .description('List a project’s inbound messages, newest first.')
      .addOption(projectOption())
      .option('--from <address>', 'only those from this sender (E.164, or a Telegram chat id)')
      .option('--limit <n>', 'how many (1 to 200)', '50'),
    async ({ store, actor }, opts: { project: string; from?: string; limit: string }) =>
      recentInbound(
        store,
        opts.project,
        { ...(opts.from !== undefined && { from: opts.from }), limit: Number(opts.limit) },
        actor.principal,
      ),
    columns,
  );
}
