import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ImportCounts, ImportRecord, Project, Store } from '../../../store/types.js';
import { newId } from '../../../crypto/tokens.js';
import type { ColumnTarget } from './columns.js';
import { csvRecords } from './csv-reader.js';
import { readRow } from './rows.js';
import { writeChunk, type ChunkRow } from './chunk.js';
import { importView } from './view.js';
import { projectGroups } from '../groups.js';

/** An import's settings, as its record keeps them (JSON). */
export interface ImportSettings {
  delimiter: string;
  header: string[];
  columns: (ColumnTarget | null)[];
  /** The group every contact of the file joins. */
  groupId: string | null;
}

/** Limits of an import. */
export const IMPORT_LIMITS = {
  /** Data rows read at most; the rest of a longer file is reported once and not read. */
  maxRows: 1_000_000,
  /** Refused rows kept in the report (all are counted). */
  maxErrors: 10_000,
} as const;

export interface ImportRunnerOptions {
  store: Store;
  /** Where uploads are kept while their import runs (`<dataDir>/imports`). */
  dir: string;
  logger: Logger;
  now: () => number;
  /** Rows per transaction. @default 1000 */
  chunkRows?: number;
}

/** Runs this relay's imports in the background, and again after a restart from where they stopped. */
export interface ImportRunner {
  readonly dir: string;
  /** Starts the import (once: a running one is left alone). */
  run(id: string): void;
  /** Runs the unfinished imports whose files this relay holds; removes the files of finished ones. */
  resume(): Promise<void>;
  /** Resolves once `id` has stopped running (tests and the CLI wait for an import). */
  settled(id: string): Promise<void>;
  /** Stops between chunks (the imports resume on the next start) and waits for them. */
  close(): Promise<void>;
}

export const uploadPath = (dir: string, id: string) => path.join(dir, `${id}.csv`);

const PROGRESS_EVERY_MS = 1000;
/** An unfinished import whose progress stood still this long lost its relay (each chunk writes progress). */
export const STALE_IMPORT_MS = 10 * 60_000;
const STALE_CHECK_MS = 60_000;

/**
 * Unfinished imports that lost their relay: resumed here when this relay holds the file, else
 * failed (`import_interrupted`): the file is gone with its relay; uploading it again finishes the
 * job (the rows already imported change nothing).
 */
async function settleStale(options: ImportRunnerOptions, runner: ImportRunner, active: ReadonlyMap<string, unknown>) {
  const { store, now } = options;
  for (const record of await store.imports.stale(now() - STALE_IMPORT_MS, 100)) {
    if (active.has(record.id)) continue;
    if (fs.existsSync(uploadPath(options.dir, record.id))) runner.run(record.id);
    else {
      const error =
        'import_interrupted: the relay reading the file stopped before its end; upload it again (rows already imported change nothing)';
      await finish(store, record.id, { status: 'failed', error }, now());
    }
  }
}

export function createImportRunner(options: ImportRunnerOptions): ImportRunner {
  const { store, dir, logger } = options;
  const log = logger.child({ component: 'imports' });
  const active = new Map<string, Promise<void>>();
  let closing = false;
  let timer: NodeJS.Timeout | null = null;
  const checkStale = () =>
    settleStale(options, runner, active).catch((error: unknown) =>
      log.warn({ err: error }, 'could not look for interrupted imports'),
    );
  const runner: ImportRunner = {
    dir,
    run(id) {
      if (closing || active.has(id)) return;
      const job = runImport(options, id, () => closing)
        .catch((error: unknown) => log.error({ err: error, importId: id }, 'import stopped by an error'))
        .finally(() => active.delete(id));
      active.set(id, job);
    },
    async resume() {
      const files = await fs.promises.readdir(dir).catch(() => [] as string[]);
      for (const file of files.filter((f) => f.endsWith('.csv'))) {
        const id = file.slice(0, -'.csv'.length);
        const record = await store.imports.get(id);
        if (record && (record.status === 'queued' || record.status === 'processing')) runner.run(id);
        else if (!active.has(id)) await fs.promises.rm(path.join(dir, file), { force: true });
      }
      await checkStale();
      timer ??= setInterval(() => void checkStale(), STALE_CHECK_MS).unref();
    },
    async settled(id) {
      await active.get(id);
    },
    async close() {
      closing = true;
      if (timer) clearInterval(timer);
      await Promise.all(active.values());
    },
  };
  return runner;
}

/** The import's event (`import.progress|completed|failed`), while the project has a listener. */
async function announce(store: Store, type: string, record: ImportRecord, at: number) {
  if (!(await store.webhooks.listening(record.projectId))) return;
  await store.webhooks.recordEvent({ projectId: record.projectId, type, at, data: JSON.stringify(importView(record)) });
}

/** Group ids by name (those a `groups` column names that do not exist yet are made). */
async function groupsNamed(
  store: Store,
  project: Project,
  names: Iterable<string>,
  known: Map<string, string>,
  at: number,
) {
  for (const name of names) {
    if (known.has(name)) continue;
    const id = newId('grp');
    const made = await store.contacts.createGroup({
      id,
      projectId: project.id,
      name,
      description: '',
      createdAt: at,
      updatedAt: at,
    });
    if (made === 'ok') known.set(name, id);
    else await readGroups(store, project.id, known);
  }
}

async function readGroups(store: Store, projectId: string, known: Map<string, string>) {
  for (const g of await projectGroups(store, projectId)) known.set(g.name, g.id);
}

/** Reads the import's file from the row after its last committed one, chunk by chunk, to its end. */
async function runImport(o: ImportRunnerOptions, id: string, stopping: () => boolean): Promise<void> {
  const { store, now } = o;
  const file = uploadPath(o.dir, id);
  const record = await store.imports.get(id);
  const project = record && (await store.projects.get(record.projectId));
  if (!record || !project || !(await store.imports.start(id, now()))) {
    await fs.promises.rm(file, { force: true });
    return;
  }
  const settings = JSON.parse(record.settings) as ImportSettings;
  const groupIds = new Map<string, string>();
  await readGroups(store, project.id, groupIds);
  let counts: ImportCounts = record;
  let lastEvent = 0;
  const chunkRows = o.chunkRows ?? 1000;
  let pending: ChunkRow[] = [];
  const flush = async () => {
    const names = new Set(pending.flatMap((r) => ('groups' in r.read ? r.read.groups : [])));
    await groupsNamed(store, project, names, groupIds, now());
    const ctx = {
      project,
      importId: id,
      groupId: settings.groupId,
      groupIds,
      maxErrors: IMPORT_LIMITS.maxErrors,
      at: now(),
    };
    const rows = pending;
    pending = [];
    counts = await store.transaction((tx) => writeChunk(tx, rows, counts, ctx));
    if (ctx.at - lastEvent >= PROGRESS_EVERY_MS) {
      lastEvent = ctx.at;
      await announce(store, 'import.progress', { ...record, ...counts, status: 'processing' }, ctx.at);
    }
    await turn();
  };
  try {
    if (
      !(await readRows(file, settings, {
        project,
        skip: record.rows,
        chunkRows,
        pending: () => pending,
        flush,
        stopping,
      }))
    )
      return;
    if (pending.length > 0) await flush();
    await finish(store, id, { status: 'completed' }, now());
  } catch (error) {
    if (stopping()) return;
    await finish(
      store,
      id,
      { status: 'failed', error: `The file could not be read to its end: ${(error as Error).message.slice(0, 300)}` },
      now(),
    );
  }
  await fs.promises.rm(file, { force: true });
}

/** What reading an import's rows needs from its run. */
interface ReadState {
  project: Project;
  /** Data rows committed before: read again, not written. */
  skip: number;
  chunkRows: number;
  pending: () => ChunkRow[];
  flush: () => Promise<void>;
  stopping: () => boolean;
}

/**
 * Reads the file's rows after the header into chunks, flushing each full one; false when the relay
 * began to close (the import stays unfinished and resumes on the next start).
 */
async function readRows(file: string, settings: ImportSettings, state: ReadState): Promise<boolean> {
  let row = 0;
  let header = true;
  for await (const items of csvRecords(file, settings.delimiter)) {
    for (const item of items) {
      if (header) {
        header = false;
        continue;
      }
      row += 1;
      if (row <= state.skip) continue;
      if (row > IMPORT_LIMITS.maxRows) {
        const message = `The file has more than ${IMPORT_LIMITS.maxRows.toLocaleString('en')} rows: the rest was not read.`;
        state.pending().push({ row, line: item.line, read: { field: null, code: 'too_many_rows', message } });
        return true;
      }
      const read = item.cells
        ? readRow(item.cells, settings.columns, state.project)
        : { field: null, code: item.code, message: item.message };
      state.pending().push({ row, line: item.line, read });
      if (state.pending().length >= state.chunkRows) {
        await state.flush();
        if (state.stopping()) return false;
      }
    }
  }
  return true;
}

async function finish(
  store: Store,
  id: string,
  outcome: { status: 'completed' | 'failed'; error?: string },
  at: number,
) {
  await store.imports.finish(id, outcome, at);
  const done = await store.imports.get(id);
  if (done) await announce(store, `import.${outcome.status}`, done, at);
}
