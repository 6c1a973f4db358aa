import { Option, type Command } from 'commander';
import { webhookDeliveryStatuses } from '@messagejs/shared-types';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  replay,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
  type WebhookDeps,
} from '../../features/webhooks/endpoints.js';
import {
  deliveryFilter,
  deliveryView,
  endpointStats,
  getDelivery,
  pageDeliveries,
} from '../../features/webhooks/delivery-log.js';
import { eventTypeNames } from '../../features/webhooks/event-types.js';
import { parseTargetPolicy } from '../../features/webhooks/target-policy.js';
import { projectByIdOrName } from '../../features/projects/require-project.js';
import { AppError } from '../../domain/app-error.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import { adminAction, type AdminContext } from '../options.js';
import { pastTime, splitList } from '../parse.js';
import { fields, table } from '../table.js';

/** `--project`: the project's id or its name, as on `messages`. */
const projectRefOption = () =>
  new Option('--project <id|name>', 'the project: its id (prj_…) or its name').makeOptionMandatory();

/**
 * The webhook services' dependencies in a CLI process: its config's target policy, and no
 * dispatcher to wake — a running relay's worker delivers what a command queues (at once on
 * PostgreSQL, which notifies it; within its poll, half a second, on SQLite).
 */
function depsOf(ctx: AdminContext): WebhookDeps {
  const { allowPrivateTargets, allowHttp } = ctx.config.webhooks;
  const policy = parseTargetPolicy({ allowPrivateTargets: allowPrivateTargets ?? undefined, allowHttp });
  return { store: ctx.store, sealer: ctx.sealer, policy, now: () => ctx.now };
}

/** The endpoint's project, named by id or by name, and the deps. */
async function scope(ctx: AdminContext, ref: string) {
  return { deps: depsOf(ctx), projectId: (await projectByIdOrName(ctx.store, ref)).id };
}

const SHOWN_ONCE =
  'Shown once: store it now. Receivers check signatures with it (Standard Webhooks; verifyWebhook() in @messagejs/relay).';
const QUEUED = 'Queued: a running relay (or worker) delivers it; see `webhooks deliveries`.';
const endpointColumns = ['id', 'url', 'events', 'active', 'disabledReason', 'lastSuccessAt', 'lastFailureAt'];
const deliveryColumns = ['id', 'eventId', 'eventType', 'status', 'attempts', 'lastStatusCode', 'nextAttemptAt'];

interface ChangeOptions {
  project: string;
  url?: string;
  events?: string;
  description?: string;
  enable?: boolean;
  disable?: boolean;
}

/** The body of `PATCH …/webhooks/:id` from the flags. */
function patchOf(opts: ChangeOptions) {
  if (opts.enable && opts.disable) {
    throw new AppError('validation_failed', 'Pass --enable or --disable, not both.', { field: '--enable' });
  }
  return {
    ...(opts.url !== undefined && { url: opts.url }),
    ...(opts.events !== undefined && { events: splitList(opts.events) }),
    ...(opts.description !== undefined && { description: opts.description }),
    ...((opts.enable || opts.disable) && { active: opts.enable === true }),
  };
}

function registerEndpoints(webhooks: Command): void {
  adminAction(
    webhooks.command('list').description("List a project's webhook endpoints.").addOption(projectRefOption()),
    async (ctx, opts: { project: string }) => {
      const { deps, projectId } = await scope(ctx, opts.project);
      return listEndpoints(deps, projectId, ctx.actor);
    },
    endpointColumns,
  );
  adminAction(
    webhooks
      .command('create')
      .description('Add an endpoint that receives the project’s events; its signing secret is printed this once.')
      .addOption(projectRefOption())
      .requiredOption('--url <url>', 'where to POST the events (https://…)')
      .option('--events <list>', `comma-separated event types (${eventTypeNames.join(', ')}), default all (*)`)
      .option('--description <text>', 'what it is for')
      .option('--disabled', 'create it turned off'),
    async (ctx, opts: ChangeOptions & { url: string; disabled?: boolean }) => {
      const { deps, projectId } = await scope(ctx, opts.project);
      const body = { ...patchOf(opts), ...(opts.disabled && { active: false }) };
      return { ...(await createEndpoint(deps, projectId, body, ctx.actor)), note: SHOWN_ONCE };
    },
  );
  adminAction(
    webhooks
      .command('update <endpointId>')
      .description('Change an endpoint’s URL, events or description, or turn it on or off.')
      .addOption(projectRefOption())
      .option('--url <url>', 'a new URL')
      .option('--events <list>', 'comma-separated event types, or * for all')
      .option('--description <text>')
      .option('--enable', 'turn it on (clears why it was off)')
      .option('--disable', 'turn it off (its pending deliveries fail; `webhooks replay` brings them back)'),
    async (ctx, opts: ChangeOptions, endpointId) => {
      const { deps, projectId } = await scope(ctx, opts.project);
      const after = await updateEndpoint(deps, projectId, endpointId, patchOf(opts), ctx.actor);
      return getEndpoint(deps, projectId, after.id, ctx.actor);
    },
  );
  adminAction(
    webhooks
      .command('delete <endpointId>')
      .description('Delete an endpoint and its delivery log.')
      .addOption(projectRefOption()),
    async (ctx, opts: { project: string }, endpointId) => {
      const { deps, projectId } = await scope(ctx, opts.project);
      const gone = await deleteEndpoint(deps, projectId, endpointId, ctx.actor);
      return `Deleted ${gone.id} (${gone.url}).`;
    },
  );
  adminAction(
    webhooks
      .command('rotate-secret <endpointId>')
      .description('Replace the signing secret, printed this once; the old one keeps signing beside it for 24 h.')
      .addOption(projectRefOption()),
    async (ctx, opts: { project: string }, endpointId) => {
      const { deps, projectId } = await scope(ctx, opts.project);
      return { ...(await rotateSecret(deps, projectId, endpointId, ctx.actor)), note: SHOWN_ONCE };
    },
  );
  adminAction(
    webhooks
      .command('test <endpointId>')
      .description('Send a `webhook.test` event to the endpoint (even while it is off).')
      .addOption(projectRefOption()),
    async (ctx, opts: { project: string }, endpointId) => {
      const { deps, projectId } = await scope(ctx, opts.project);
      return { ...(await sendTestEvent(deps, projectId, endpointId, ctx.actor)), note: QUEUED };
    },
  );
}

interface DeliveriesOptions {
  project: string;
  status?: string;
  eventType?: string;
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
  json?: boolean;
}

function registerLog(webhooks: Command): void {
  adminAction(
    webhooks
      .command('deliveries <endpointId>')
      .description('List an endpoint’s deliveries, newest first (the next page’s --cursor on stderr).')
      .addOption(projectRefOption())
      .addOption(new Option('--status <status>').choices([...webhookDeliveryStatuses]))
      .option('--event-type <type>', 'one event type')
      .option('--since <time>', 'created at or after: ISO 8601 or a time ago (30m, 2h, 7d)')
      .option('--until <time>', 'created before: ISO 8601 or a time ago')
      .option('--limit <n>', 'deliveries per page, 1 to 100 (default 50)')
      .option('--cursor <cursor>', 'the page after the one that printed this cursor'),
    async (ctx, opts: DeliveriesOptions, endpointId) => {
      const { deps, projectId } = await scope(ctx, opts.project);
      const query = Object.fromEntries(
        Object.entries({
          status: opts.status,
          eventType: opts.eventType,
          since: opts.since === undefined ? undefined : pastTime(opts.since, ctx.now),
          until: opts.until === undefined ? undefined : pastTime(opts.until, ctx.now),
          limit: opts.limit,
          cursor: opts.cursor,
        }).filter(([, v]) => v !== undefined),
      ) as Record<string, string>;
      const filter = deliveryFilter(query);
      const found = await pageDeliveries(deps, { projectId, endpointId }, filter, pageRequest(query), ctx.actor);
      const page = pageReply(found, deliveryView);
      if (page.nextCursor) process.stderr.write(`More: --cursor ${page.nextCursor}\n`);
      return page.data;
    },
    deliveryColumns,
  );
  adminAction(
    webhooks
      .command('delivery <endpointId> <deliveryId>')
      .description('Show one delivery (whd_…) with every attempt: status, latency, the answer’s first KB.')
      .addOption(projectRefOption()),
    async (ctx, opts: { project: string; json?: boolean }, endpointId, deliveryId) => {
      const { deps, projectId } = await scope(ctx, opts.project);
      const ids = { projectId, endpointId, deliveryId };
      const { attemptLog, ...delivery } = await getDelivery(deps, ids, ctx.actor);
      if (opts.json) return { ...delivery, attemptLog };
      return `${fields(delivery)}\n\nAttempts\n${table(attemptLog)}`;
    },
  );
}

function registerReplays(webhooks: Command): void {
  adminAction(
    webhooks
      .command('replay <endpointId>')
      .description('Send one event again (--event evt_…), or every failed delivery since a time (--since).')
      .addOption(projectRefOption())
      .option('--event <eventId>', 'the event to send again (evt_…)')
      .option('--since <time>', 'every failed delivery created since: ISO 8601 or a time ago (2h, 7d)'),
    async (ctx, opts: { project: string; event?: string; since?: string }, endpointId) => {
      const { event, since } = opts;
      if ((event === undefined) === (since === undefined)) {
        throw new AppError('validation_failed', 'Pass --event <evt_…> or --since <time> (one of them).', {
          field: '--event',
        });
      }
      const { deps, projectId } = await scope(ctx, opts.project);
      const body = since !== undefined ? { since: pastTime(since, ctx.now) } : { eventId: event };
      return { ...(await replay(deps, projectId, endpointId, body, ctx.actor)), note: QUEUED };
    },
  );
  adminAction(
    webhooks
      .command('stats <endpointId>')
      .description('An endpoint’s success rate, last success and failure, and deliveries by event type.')
      .addOption(projectRefOption())
      .option('--since <time>', 'the window’s start: ISO 8601 or a time ago (default 7d)'),
    async (ctx, opts: { project: string; since?: string; json?: boolean }, endpointId) => {
      const { deps, projectId } = await scope(ctx, opts.project);
      const since = opts.since === undefined ? undefined : pastTime(opts.since, ctx.now);
      const { byType, ...stats } = await endpointStats(deps, { projectId, endpointId }, since, ctx.actor);
      if (opts.json) return { ...stats, byType };
      return `${fields(stats)}\n\nBy event type\n${table(byType)}`;
    },
  );
}

/** `webhooks list | create | update | delete | rotate-secret | test | deliveries | delivery | replay | stats`. */
export function registerWebhooks(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .description('Manage a project’s webhook endpoints, their delivery log, tests and replays.');
  registerEndpoints(webhooks);
  registerLog(webhooks);
  registerReplays(webhooks);
}
