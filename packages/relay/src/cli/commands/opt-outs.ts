import { Option, type Command } from 'commander';
import { channels } from '@messagejs/shared-types';
import { addOptOut, checkOptOut, optOutView, pageOptOuts, removeOptOut } from '../../features/recipients/opt-outs.js';
import type { Store } from '../../store/types.js';
import type { Principal } from '../../domain/principal.js';
import { MAX_PAGE_SIZE } from '../../http/platform/pagination.js';
import { adminAction, projectOption } from '../options.js';

/** `--channel`: how to read an address (a national phone number needs sms or whatsapp). */
const channelOption = () =>
  new Option('--channel <channel>', 'how to read the address: sms/whatsapp for a national number').choices([
    ...channels,
  ]);

/** Every opt-out of the project, page after page, newest first. */
async function allOptOuts(store: Store, projectId: string, principal: Principal) {
  const all = [];
  let after: { key: string | number; id: string } | undefined;
  do {
    const page = await pageOptOuts(store, projectId, { limit: MAX_PAGE_SIZE, ...(after && { after }) }, principal);
    all.push(...page.items.map(optOutView));
    after = page.next ?? undefined;
  } while (after);
  return all;
}

/** `opt-outs add | remove | list | check`: a project's blacklist. */
export function registerOptOuts(program: Command): void {
  const optOuts = program
    .command('opt-outs')
    .description('Manage the recipients that opted out (sends to them answer 403 recipient_opted_out).');
  adminAction(
    optOuts
      .command('add <address>')
      .description('Stop sending to a recipient (a phone number in E.164, an email, a chat id).')
      .addOption(projectOption())
      .addOption(channelOption())
      .option('--reason <text>', 'why (kept with the opt-out)'),
    async ({ store, actor, now }, opts: { project: string; channel?: string; reason?: string }, address) =>
      (
        await addOptOut(
          store,
          opts.project,
          { address, ...(opts.channel && { channel: opts.channel }), ...(opts.reason && { reason: opts.reason }) },
          now,
          actor,
        )
      ).optOut,
  );
  adminAction(
    optOuts
      .command('remove <address>')
      .description('Accept sends to a recipient again.')
      .addOption(projectOption())
      .addOption(channelOption()),
    async ({ store, actor, now }, opts: { project: string; channel?: string }, address) => {
      await removeOptOut(
        store,
        { projectId: opts.project, address: address, ...(opts.channel && { channel: opts.channel }) },
        now,
        actor,
      );
      return `Sends to ${address} are accepted again.`;
    },
  );
  adminAction(
    optOuts.command('list').description('List the recipients that opted out, newest first.').addOption(projectOption()),
    async ({ store, actor }, opts: { project: string }) => allOptOuts(store, opts.project, actor.principal),
  );
  adminAction(
    optOuts
      .command('check <address>')
      .description('Say whether one recipient opted out, and why.')
      .addOption(projectOption())
      .addOption(channelOption()),
    async ({ store, actor }, opts: { project: string; channel?: string }, address) =>
      checkOptOut(
        store,
        { projectId: opts.project, address: address, ...(opts.channel && { channel: opts.channel }) },
        actor.principal,
      ),
  );
}
