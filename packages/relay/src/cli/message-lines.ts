import type { InboundMessage, MessageSummary } from '@messagejs/shared-types';
import { fields, table } from './table.js';

/**
 * How `messages list` and `messages tail` print messages: one line each under a header, every
 * column padded to a fixed width, so that a page, every page (`--all`) and a live tail read as one
 * table without holding the rows to measure them. `--json` prints the history's own objects.
 */

/** The columns and the width each is padded to (the last, the error, is not). */
const COLUMNS: ReadonlyArray<readonly [string, number]> = [
  ['id', 33],
  ['created', 24],
  ['status', 11],
  ['channel', 8],
  ['to', 16],
  ['template', 16],
  ['connector', 33],
  ['error', 0],
];

/** An error's text in one cell: provider text can be long, and the reader does not need all of it here. */
const ERROR_CELL = 100;

/**
 * Text from the store (a provider's error message, an address) made safe for a terminal: control
 * characters (line breaks, escape sequences) become spaces.
 */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  return text.replace(/[\u0000-\u001F\u007F-\u009F]/g, ' ');
}

function line(cells: readonly string[]): string {
  return cells
    .map((cell, i) => cell.padEnd(COLUMNS[i]![1]))
    .join('  ')
    .trimEnd();
}

/** The header and its rule, as `table.ts` draws them. */
export function headerLines(): string {
  return `${line(COLUMNS.map(([name]) => name))}\n${line(COLUMNS.map(([name, width]) => '-'.repeat(width || name.length)))}`;
}

/** An inbound message as a line (`--direction inbound`): received, from its sender, its keyword in the template's place. */
function inboundLine(m: InboundMessage): string {
  return line([m.id, m.receivedAt, 'received', m.channel, m.from, m.keyword ?? '-', m.connectorId, '-'].map(clean));
}

/** One message as a line; `status` replaces its status (`queued → delivered` for a change `tail` saw). */
export function messageLine(m: MessageSummary | InboundMessage, status?: string): string {
  if ('media' in m) return inboundLine(m);
  status ??= m.status;
  const error = m.errorCode === null ? '-' : `${m.errorCode}${m.errorMessage === null ? '' : `: ${m.errorMessage}`}`;
  const template =
    m.template === null ? '-' : `${m.template}${m.templateVersion === null ? '' : ` v${m.templateVersion}`}`;
  return line(
    [
      m.id,
      m.createdAt,
      status,
      m.channel,
      m.to,
      template,
      m.connector ?? '-',
      error.length > ERROR_CELL ? `${error.slice(0, ERROR_CELL - 1)}…` : error,
    ].map(clean),
  );
}

/** A page of messages: the header and a line each, or `(none)` as `table.ts` says it. */
export function messageLines(messages: ReadonlyArray<MessageSummary | InboundMessage>): string {
  return messages.length === 0 ? '(none)' : [headerLines(), ...messages.map((m) => messageLine(m))].join('\n');
}

const isRows = (value: unknown): value is Array<Record<string, unknown>> =>
  Array.isArray(value) && value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));

/** `value` with every text in it `clean`. */
function cleanDeep(value: unknown): unknown {
  if (typeof value === 'string') return clean(value);
  if (Array.isArray(value)) return value.map(cleanDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cleanDeep(v)]));
  }
  return value;
}

/**
 * One message in full (`messages show`): its fields as `field  value` lines, then each list of
 * objects it holds (its attempts, and whatever list joins them) as a table under the list's name.
 */
export function messageDetailText(detail: object): string {
  const entries = Object.entries(cleanDeep(detail) as Record<string, unknown>);
  const lists = entries.filter(([, v]) => Array.isArray(v) && isRows(v));
  const text = fields(Object.fromEntries(entries.filter(([, v]) => !(Array.isArray(v) && isRows(v)))));
  return [text, ...lists.map(([name, rows]) => `${name}\n${table(rows as Array<Record<string, unknown>>)}`)].join(
    '\n\n',
  );
}

/**
 * Standard output for commands that print as they go. `write` prints (false once the reader went
 * away); `onClosed` runs once when it does: `| head` closing the pipe (EPIPE) is a normal end, not
 * an error with a stack trace; another write error is reported on stderr and exits 1.
 */
export function streamOutput(onClosed: () => void = () => {}): { write: (text: string) => boolean } {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (closed) return;
    closed = true;
    if (error.code !== 'EPIPE') {
      process.stderr.write(`Error: could not write to standard output: ${error.message}\n`);
      process.exitCode = 1;
    }
    onClosed();
  });
  return {
    write(text) {
      if (closed) return false;
      process.stdout.write(text);
      return !closed;
    },
  };
}
