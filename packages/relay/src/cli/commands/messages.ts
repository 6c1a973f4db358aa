import { Option, type Command } from 'commander';
import { channels, maxPageSize, messageDirections, messageStatuses, type MessageStatus } from '@messagejs/shared-types';
import type { RelayConfig } from '../../config.js';
import { historyPage, historyQuery, messageSummary } from '../../features/messages/history.js';
import { messageDetail } from '../../features/messages/message-detail.js';
import { cancelWaiting } from '../../features/messages/cancel-message.js';
import { projectByIdOrName } from '../../features/projects/require-project.js';
import { AppError, isAppError } from '../../domain/app-error.js';
import { deriveCursorKey } from '../../crypto/cursor.js';
import { loadOrCreateMasterKey } from '../../crypto/master-key.js';
import type { Message, Project, Store } from '../../store/types.js';
import { adminAction, dataDirOption, jsonOption, openRelay } from '../options.js';
import { pastTime } from '../parse.js';
import { stopOnSignals } from '../signals.js';
import { headerLines, messageDetailText, messageLine, messageLines, streamOutput } from '../message-lines.js';
import { createFollower } from './messages-tail.js';

/** Messages `messages list` prints unless `--limit` says otherwise (the API's default is 50). */
const LIST_DEFAULT = 20;
/** Messages `messages tail` prints before it follows, unless `--last` says otherwise. */
const TAIL_DEFAULT = 10;
/** How often `messages tail` reads the project's new events. */
const POLL_MS = 250;

/** The history's filters as flags; each is the `GET /v1/messages` parameter of the same name but two. */
interface FilterOptions {
  project: string;
  status?: string;
  channel?: string;
  template?: string;
  connector?: string;
  country?: string;
  operator?: string;
  to?: string;
  since?: string;
  until?: string;
  direction?: string;
  q?: string;
}

/** The flags named differently from the API's parameters they set. */
const FLAGS: Readonly<Record<string, string>> = { createdAfter: '--since', createdBefore: '--until' };
const flagOf = (field: string) => FLAGS[field] ?? `--${field}`;

/** The project flag of the messages commands: its id or its name. */
const projectRefOption = () =>
  new Option('--project <id|name>', 'the project: its id (prj_…) or its name').makeOptionMandatory();

/** `--status`, `--channel`, … `--q`: `GET /v1/messages`'s filters, checked by its own schema. */
function withFilters(command: Command): Command {
  return command
    .addOption(projectRefOption())
    .option('--status <list>', `one status or several, comma-separated (${messageStatuses.join(', ')})`)
    .option('--channel <channel>', channels.join(', '))
    .option('--template <name>', 'the template it was made from')
    .option('--connector <id>', 'the connector that sent it (con_…)')
    .option('--country <CC>', 'the recipient’s country (ISO alpha-2, capitals)')
    .option('--operator <name>', 'the recipient’s mobile operator')
    .option('--to <number>', 'the recipient: a full E.164 number, or its last 2 to 8 digits')
    .option(
      '--since <time>',
      'created at or after: ISO 8601 (2026-06-01, 2026-06-01T08:00:00Z) or a time ago (30m, 2h, 7d)',
    )
    .option('--until <time>', 'created before: ISO 8601 or a time ago')
    .option('--direction <direction>', messageDirections.join(', '))
    .option('--q <text>', 'text the body holds (ASCII letters in any case)');
}

/** The flags as the query `GET /v1/messages` takes: `--since 2h` as an ISO time. */
function queryOf(opts: FilterOptions, now: number, page: Record<string, string | undefined> = {}) {
  const query = {
    status: opts.status,
    channel: opts.channel,
    template: opts.template,
    connector: opts.connector,
    country: opts.country,
    operator: opts.operator,
    to: opts.to,
    createdAfter: opts.since === undefined ? undefined : pastTime(opts.since, now),
    createdBefore: opts.until === undefined ? undefined : pastTime(opts.until, now),
    direction: opts.direction,
    q: opts.q,
    ...page,
  };
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/**
 * Runs `work`, an error about a query parameter renamed after its flag (`createdAfter` →
 * `--since`): the API's code and message, the operator's words.
 */
async function asFlags<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isAppError(error) || error.field === undefined || error.field === 'project') throw error;
    // `status.1`: the second of the statuses `--status` listed.
    const flag = flagOf(error.field.split('.')[0]!);
    let message = error.message.replaceAll(`\`${error.field}\``, `\`${flag}\``);
    for (const [parameter, other] of Object.entries(FLAGS)) message = message.replaceAll(parameter, other);
    throw new AppError(error.code, message, { field: flag });
  }
}

/** The key history cursors are signed with: the relay's, so a cursor from the API works here too. */
function cursorKeyOf(config: Readonly<RelayConfig>): Buffer {
  return deriveCursorKey(config.masterKey ?? loadOrCreateMasterKey(config.dataDir).key);
}

interface ListOptions extends FilterOptions {
  limit?: string;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

/**
 * `messages list`: a page (a table, or one JSON array with `--json`), the next page's cursor on
 * stderr; with `--all`, every page as it is read (lines, or NDJSON with `--json`) until the last
 * or until the reader goes away (`| head`).
 */
async function list(store: Store, config: Readonly<RelayConfig>, opts: ListOptions, now: number): Promise<void> {
  const project = await projectByIdOrName(store, opts.project);
  const deps = { store, cursorKey: cursorKeyOf(config) };
  const limit = opts.limit ?? String(opts.all ? maxPageSize : LIST_DEFAULT);
  const read = (cursor: string | undefined) =>
    asFlags(() => historyPage(deps, project, queryOf(opts, now, { limit, cursor }), true));
  let open = true;
  const out = streamOutput(() => (open = false));
  if (!opts.all) {
    const page = await read(opts.cursor);
    out.write(`${opts.json ? JSON.stringify(page.data, null, 2) : messageLines(page.data)}\n`);
    if (page.nextCursor) process.stderr.write(`More: --cursor ${page.nextCursor}\n`);
    return;
  }
  let cursor = opts.cursor;
  let first = true;
  do {
    const page = await read(cursor);
    if (!opts.json && first) out.write(`${page.data.length === 0 ? '(none)' : headerLines()}\n`);
    first = false;
    for (const m of page.data) out.write(`${opts.json ? JSON.stringify(m) : messageLine(m)}\n`);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && open);
}

interface TailOptions extends FilterOptions {
  last: string;
  json?: boolean;
  dataDir?: string;
}

/** `--last`: 0 to 200 messages printed before following. */
function lastOf(value: string): number {
  if (!/^\d{1,3}$/.test(value) || Number(value) > maxPageSize) {
    throw new AppError('validation_failed', `\`--last\` must be an integer from 0 to ${maxPageSize}.`, {
      field: '--last',
    });
  }
  return Number(value);
}

/**
 * `messages tail`: the last messages, then new ones and status changes as they happen (a line
 * each, NDJSON `{event, message}` with `--json`), until SIGINT or SIGTERM (exit 0) or until the
 * reader goes away (`| head`).
 */
async function tail(opts: TailOptions): Promise<void> {
  const relay = await openRelay(opts, {}, { create: false });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= relay.close());
  try {
    const project: Project = await projectByIdOrName(relay.store, opts.project);
    const last = lastOf(opts.last);
    const { filter } = await asFlags(async () => historyQuery({ project }, queryOf(opts, Date.now())));
    if (filter.direction === 'inbound') {
      throw new AppError(
        'validation_failed',
        '`messages tail` follows the messages the project sends; `inbound list` shows the ones it received.',
        { field: '--direction' },
      );
    }
    let stopped = false;
    let wake = () => {};
    const stop = () => {
      stopped = true;
      wake();
    };
    const out = streamOutput(stop);
    if (!opts.json) out.write(`${headerLines()}\n`);
    /** A message first seen, or (with the status it was printed with) a status change. */
    const line = (m: Message, previous?: MessageStatus) => {
      const message = messageSummary(m, true);
      if (opts.json) {
        return JSON.stringify(
          previous === undefined
            ? { event: 'created', message }
            : { event: 'status', previousStatus: previous, message },
        );
      }
      return messageLine(message, previous === undefined ? m.status : `${previous} → ${m.status}`);
    };
    const follower = createFollower(relay.store, project.id, filter, {
      created: (m) => out.write(`${line(m)}\n`),
      status: (m, previous) => out.write(`${line(m, previous)}\n`),
    });
    const running = (async () => {
      await follower.start(last);
      while (!stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (!stopped) await follower.poll();
      }
    })();
    stopOnSignals(relay.logger, async () => {
      stop();
      await running.catch(() => {});
      await close();
    });
    await running;
  } finally {
    await close();
  }
}

/** `messages list | show | cancel | tail`: a project's history from the shell, full numbers (the operator holds the key). */
export function registerMessages(program: Command): void {
  const messages = program.command('messages').description('Read the message history, or follow it live.');
  adminAction(
    withFilters(messages.command('list'))
      .description('List a project’s messages, newest first, with the filters of GET /v1/messages.')
      .option('--limit <n>', `messages per page, 1 to ${maxPageSize} (default ${LIST_DEFAULT})`)
      .option('--cursor <cursor>', 'the page after the one that printed this cursor')
      .option('--all', 'every page, one message a line (NDJSON with --json)'),
    async ({ store, config, now }, opts: ListOptions) => list(store, config, opts, now),
  );
  adminAction(
    messages.command('show <id>').description('Show one message in full, with its delivery attempts.'),
    async ({ store }, opts: { json?: boolean }, id) => {
      const detail = await messageDetail(store, id);
      streamOutput().write(`${opts.json ? JSON.stringify(detail, null, 2) : messageDetailText(detail)}\n`);
    },
  );
  adminAction(
    messages
      .command('cancel <id>')
      .description('Cancel a message still waiting to be sent (queued, or waiting to retry): it is never sent.'),
    async ({ store, now }, opts: { json?: boolean }, id) => {
      const before = await messageDetail(store, id);
      await cancelWaiting(store, before.id, before.status, now);
      const detail = await messageDetail(store, id);
      streamOutput().write(`${opts.json ? JSON.stringify(detail, null, 2) : messageDetailText(detail)}\n`);
    },
  );
  withFilters(messages.command('tail'))
    .description('Print the last messages, then each new one and status change as it happens, until Ctrl-C.')
    .option('--last <n>', `messages printed before following, 0 to ${maxPageSize}`, String(TAIL_DEFAULT))
    .addOption(dataDirOption())
    .addOption(jsonOption('print NDJSON: {"event":"created"|"status", "message": {…}} a line'))
    .action(tail);
}
