import fs from 'node:fs';
import { parse, type CsvError } from 'csv-parse';

/** A record of the file: its cells and the line it starts on, or why it could not be read. */
export type CsvItem =
  { cells: string[]; line: number } | { cells: null; line: number; code: 'malformed_row'; message: string };

/**
 * The longest record read: a 1 MB line is read, and refused by its fields' limits. A longer one
 * (an unclosed quote swallowing the file) ends the import with its line: csv-parse does not
 * recover after this error (it repeats it and drops the rest), so going on would lose rows silently.
 */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** The delimiters guessed from a header line. */
const CANDIDATES = [',', ';', '\t', '|'] as const;

/**
 * The delimiter of a file from its first line: the candidate seen most often outside quotes
 * (a comma when none is).
 */
export function guessDelimiter(firstLine: string): string {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best: string = ',';
  for (const [ch, n] of counts) if (n > counts.get(best)!) best = ch;
  return best;
}

/** Reads the start of a file (up to `bytes`) as text: where the header and its delimiter are guessed from. */
export async function readHead(file: string, bytes = 64 * 1024): Promise<string> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
  } finally {
    await handle.close();
  }
}

/**
 * Line breaks inside a record's quoted cells: as csv-parse counts them (CR and LF each) and as a
 * person does (CRLF once). csv-parse's line count runs ahead by one per quoted CRLF.
 */
function innerBreaks(cells: readonly string[]): { parser: number; crlf: number } {
  let parser = 0;
  let crlf = 0;
  for (const cell of cells) {
    if (!cell.includes('\n') && !cell.includes('\r')) continue;
    for (let i = 0; i < cell.length; i++) {
      const ch = cell.charCodeAt(i);
      if (ch === 10 || ch === 13) parser += 1;
      if (ch === 13 && cell.charCodeAt(i + 1) === 10) crlf += 1;
    }
  }
  return { parser, crlf };
}

/**
 * The file's records in order, a few hundred at a time as the file is read (never the whole
 * file in memory): a byte-order mark is dropped, CRLF and LF both end records, quoted cells may
 * hold delimiters, quotes and line breaks; a record the parser cannot read (an unclosed quote
 * running past `MAX_RECORD_BYTES`) is an item of its own, and reading goes on after it.
 */
export async function* csvRecords(file: string, delimiter: string): AsyncGenerator<CsvItem[]> {
  let items: CsvItem[] = [];
  let tooLong: Error | undefined;
  // Quoted CRLFs before this record: csv-parse's line count is ahead of the file's by that many.
  let ahead = 0;
  const parser = parse({
    bom: true,
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    on_record: (record: string[], context) => {
      const inner = innerBreaks(record);
      items.push({ cells: record, line: context.lines - ahead - inner.parser });
      ahead += inner.crlf;
      return null;
    },
    on_skip: (error: CsvError | undefined) => {
      const line = Number((error as { lines?: number } | undefined)?.lines ?? 0) - ahead;
      if (error?.code === 'CSV_MAX_RECORD_SIZE') {
        tooLong ??= new Error(
          `the row ending near line ${line} is longer than ${MAX_RECORD_BYTES / 1024 / 1024} MB (an unclosed quote?); the rows before it were imported`,
        );
        return undefined;
      }
      items.push({
        cells: null,
        line,
        code: 'malformed_row',
        message: `The row could not be read as CSV${error ? ` (${error.message.slice(0, 200)})` : ''}.`,
      });
      return undefined;
    },
  });
  const failed = new Promise<never>((_, reject) => parser.once('error', reject));
  failed.catch(() => undefined);
  const write = (chunk: Buffer | null) =>
    Promise.race([
      failed,
      new Promise<void>((resolve) => (chunk ? parser.write(chunk, () => resolve()) : parser.end(() => resolve()))),
    ]);
  parser.resume();
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 })) {
    await write(chunk as Buffer);
    if (items.length > 0) {
      yield items;
      items = [];
    }
    if (tooLong) throw tooLong;
  }
  await write(null);
  if (items.length > 0) yield items;
  if (tooLong) throw tooLong;
}
