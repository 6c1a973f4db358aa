import { messageExportQuerySchema, type InboundMessage } from '@messagejs/shared-types';
import type { Logger } from 'pino';
import type { InboundRecord, Message, Page, PagePosition, Store } from '../../store/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { requirePermission } from '../../domain/permissions.js';
import { toValidationError } from '../../domain/validation.js';
import { maskAddress, maskText } from '../../domain/mask.js';
import { isoTime } from '../../domain/iso-time.js';
import { csvCell } from '../../domain/csv-cell.js';
import { historyFilter, inboundFilterOf, messageSummary, seesFullNumbers } from './history.js';
import { inboundView } from '../inbound/inbound-view.js';

/**
 * Rows read per statement: one page of the history's index at a time, the next asked for while
 * this one is written. Pages of 2,000 exported a million rows on SQLite at 190,673 rows/s but grew
 * the relay's RSS by 109 MB (two pages of messages and their lines alive at once: the issue allows
 * 50 MB); pages of 500 keep it under that (BENCHMARKS.md, session 10).
 */
const PAGE_ROWS = 500;

/** The CSV's columns, in order: the header row names them as the NDJSON lines do. */
const COLUMNS = [
  'id',
  'createdAt',
  'status',
  'direction',
  'channel',
  'to',
  'country',
  'operator',
  'template',
  'templateVersion',
  'connector',
  'segments',
  'encoding',
  'costEur',
  'costMad',
  'providerMessageId',
  'errorCode',
  'errorMessage',
  'sentAt',
  'deliveredAt',
  'updatedAt',
  'subject',
  'body',
  'projectId',
] as const;

/** The CSV's columns of received messages (`direction=inbound`): `GET /v1/inbound`'s fields, in order. */
const INBOUND_COLUMNS = [
  'id',
  'receivedAt',
  'direction',
  'channel',
  'from',
  'to',
  'text',
  'media',
  'senderName',
  'userId',
  'keyword',
  'autoReply',
  'replyMessageId',
  'connectorId',
  'providerMessageId',
  'sentAt',
  'processingMs',
  'projectId',
] as const satisfies ReadonlyArray<keyof InboundMessage>;

const iso = (ms: number | null) => (ms === null ? null : isoTime(ms));

/**
 * A CSV line of `m`, in `COLUMNS` order: the cells of `messageSummary(m, full)`, which the NDJSON
 * lines are (a test holds the two formats equal), written from the message itself: building the
 * summary object first doubled the CSV's formatting.
 */
function csvLine(m: Message, full: boolean): string {
  const cost = m.costEur !== null && m.costMad !== null;
  const error = full || m.errorMessage === null ? m.errorMessage : maskText(m.errorMessage);
  const to = full ? m.to : maskAddress(m.to);
  const subject = m.sensitive ? null : m.subject;
  const body = m.sensitive ? null : m.body;
  return (
    `${csvCell(m.id)},${csvCell(iso(m.createdAt))},${csvCell(m.status)},outbound,${csvCell(m.channel)},` +
    `${csvCell(to)},${csvCell(m.country)},${csvCell(m.operator)},${csvCell(m.template)},` +
    `${csvCell(m.templateVersion)},${csvCell(m.connectorId)},${csvCell(m.segments)},${csvCell(m.encoding)},` +
    `${csvCell(cost ? m.costEur : null)},${csvCell(cost ? m.costMad : null)},${csvCell(m.providerMessageId)},` +
    `${csvCell(m.errorCode)},${csvCell(error)},${csvCell(iso(m.sentAt))},${csvCell(iso(m.deliveredAt))},` +
    `${csvCell(iso(m.updatedAt))},${csvCell(subject)},${csvCell(body)},${csvCell(m.projectId)}\n`
  );
}

/** A CSV line of a received message, in `INBOUND_COLUMNS` order (its media as JSON). */
function inboundCsvLine(m: InboundRecord, full: boolean): string {
  const view = inboundView(m, full);
  return `${INBOUND_COLUMNS.map((c) => csvCell(c === 'media' ? JSON.stringify(view.media) : view[c])).join(',')}\n`;
}

/**
 * Characters per write. The text is built line by line, a rope that the write flattens and
 * encodes: 64 KB of it cost 0.2 µs a row; a whole page (360 KB at 2,000 rows, a string V8 puts in
 * its large-object space) cost 1.6 µs a row, about as much as formatting the lines.
 */
const WRITE_CHARS = 64 * 1024;

/**
 * Writes a line per item through `out`, about `WRITE_CHARS` at a time, waiting whenever the
 * socket is full; stops once the client is gone. How many lines it handed to `out`, and whether
 * the client is still there.
 */
async function writeLines<T>(
  out: { write(chunk: string): Promise<boolean> },
  items: readonly T[],
  line: (item: T) => string,
): Promise<{ lines: number; open: boolean }> {
  let text = '';
  let lines = 0;
  for (const item of items) {
    text += line(item);
    lines++;
    if (text.length >= WRITE_CHARS) {
      if (!(await out.write(text))) return { lines, open: false };
      text = '';
    }
  }
  return { lines, open: text.length === 0 || (await out.write(text)) };
}

/**
 * Writes `header`, then a line per item of the pages `read` gives, a page at a time: the next page
 * is asked for while this one is written (PostgreSQL reads it meanwhile), and no other until this
 * one is written, waiting while the client's socket is full. How many rows it wrote, and whether
 * the client is still there.
 */
export async function streamPages<T>(
  out: { write(chunk: string): Promise<boolean> },
  header: string,
  read: (after?: PagePosition) => Promise<Page<T>>,
  line: (item: T) => string,
): Promise<{ rows: number; open: boolean }> {
  let rows = 0;
  let page = await read();
  let open = header === '' || (await out.write(header));
  let ahead: Promise<Page<T>> | null = null;
  try {
    while (open) {
      ahead = page.next ? read(page.next) : null;
      const written = await writeLines(out, page.items, line);
      rows += written.lines;
      open = written.open;
      if (!ahead || !open) break;
      page = await ahead;
      ahead = null;
    }
  } finally {
    // The page read ahead for a client that went away is dropped, and an error reading it too.
    ahead?.catch(() => undefined);
  }
  return { rows, open };
}

/** An export ready to stream: its media type, a file name, and what writes it through `out`. */
export interface HistoryExport {
  contentType: string;
  filename: string;
  /** Writes the export; each `write` resolves false once the client went away (it stops then). */
  stream: (out: { write(chunk: string): Promise<boolean> }) => Promise<void>;
}

/**
 * `GET /v1/messages/export?format=csv|ndjson` (`export_data`): every message the history's filters
 * match, newest first, streamed (with `direction=inbound`, the received ones, in the columns of
 * `GET /v1/inbound`). The rows are read a page of the history's index at a time: the
 * next page is asked for while this one is written (PostgreSQL reads it meanwhile), and no other
 * until this one is written, waiting while the client's socket is full. So memory stays flat for
 * any size, and a client that goes away stops the reading at once (the page already asked for is
 * dropped). CSV cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR
 * first) are escaped with `'` (`csvCell`).
 */
export function exportMessages(
  deps: { store: Store; logger?: Logger; now: () => number },
  caller: KeyPrincipal,
  query: Record<string, string>,
): HistoryExport {
  requirePermission(caller, 'export_data', 'An export takes a secret key (from a server) or a member’s credential.');
  const parsed = messageExportQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { format } = parsed.data;
  const filter = historyFilter(caller, parsed.data);
  // Checked before the answer starts: a filter received messages do not have is a 400.
  const inbound = filter.direction === 'inbound' ? inboundFilterOf(filter) : null;
  const full = seesFullNumbers(caller);
  const projectId = caller.project.id;
  const day = new Date(deps.now()).toISOString().slice(0, 10);
  return {
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
    filename: `messages-${projectId}-${day}.${format}`,
    async stream(out) {
      const request = (after?: PagePosition) => (after ? { limit: PAGE_ROWS, after } : { limit: PAGE_ROWS });
      const { rows, open } =
        filter.direction === 'inbound'
          ? await streamPages(
              out,
              format === 'csv' ? `${INBOUND_COLUMNS.join(',')}\n` : '',
              (after) => deps.store.inbound.page(projectId, inbound!, request(after)),
              format === 'csv'
                ? (m: InboundRecord) => inboundCsvLine(m, full)
                : (m: InboundRecord) => `${JSON.stringify(inboundView(m, full))}\n`,
            )
          : await streamPages(
              out,
              format === 'csv' ? `${COLUMNS.join(',')}\n` : '',
              (after) => deps.store.messages.page(projectId, filter, request(after)),
              format === 'csv'
                ? (m: Message) => csvLine(m, full)
                : (m: Message) => `${JSON.stringify(messageSummary(m, full))}\n`,
            );
      deps.logger?.info(
        { projectId, format, rows, cancelled: !open },
        open ? 'history exported' : 'history export cancelled by the client',
      );
    },
  };
}
