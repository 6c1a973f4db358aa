import { parse } from 'csv-parse/sync';
import { contactImportOptionsSchema, pageQuerySchema, type ContactImport } from '@messagejs/shared-types';
import type { Page, PageRequest, Project, Store } from '../../../store/types.js';
import { AppError } from '../../../domain/app-error.js';
import { toValidationError } from '../../../domain/validation.js';
import { systemActor, type Actor } from '../../../domain/actor.js';
import { recordChange } from '../../audit/record-change.js';
import { projectFor } from '../../projects/require-project.js';
import { mapColumns } from './columns.js';
import { guessDelimiter, readHead } from './csv-reader.js';
import { type ImportRunner, type ImportSettings, uploadPath } from './runner.js';
import { importView } from './view.js';

/** A file received for an import, on disk at `uploadPath(runner.dir, id)`. */
export interface ImportUpload {
  id: string;
  bytes: number;
  sha256: string;
  fileName: string | null;
}

/** The project an import goes to, checked before its file is read: `manage_contacts`. */
export const importProject = (store: Store, projectId: string, actor: Actor = systemActor): Promise<Project> =>
  projectFor(store, projectId, 'manage_contacts', actor.principal);

/** Checks an import's options before its file is read (a `text/csv` body's query): `400` naming the field. */
export function checkImportOptions(options: unknown): void {
  const parsed = contactImportOptionsSchema.safeParse(options);
  if (!parsed.success) throw toValidationError(parsed.error);
}

/** The header's cells: the file's first record, read from its first 64 KB. */
async function headerOf(file: string, delimiter: string | undefined): Promise<{ header: string[]; delimiter: string }> {
  const head = await readHead(file);
  const chosen = delimiter ?? guessDelimiter(head.split(/\r?\n/, 1)[0]!);
  let records: string[][];
  try {
    records = parse(head, {
      delimiter: chosen,
      to: 1,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
    });
  } catch {
    records = [];
  }
  const header = records[0];
  if (!header || (!/\r?\n/.test(head) && head.length >= 64 * 1024)) {
    throw new AppError('validation_failed', 'The file has no header row within its first 64 KB.', { field: 'file' });
  }
  return { header: header.map((h) => h.trim()), delimiter: chosen };
}

/**
 * `POST …/contacts/import`: the upload's header is read and mapped (`columns.ts`), the import is
 * recorded (`queued`, audited as `contact.import`) and handed to the runner, which reads the rest
 * in the background. Refused before anything is recorded: bad options, a header with no address
 * column, an unknown group.
 */
export async function createImport(
  deps: { store: Store; runner: ImportRunner },
  project: Project,
  upload: ImportUpload,
  options: unknown,
  now: number,
  actor: Actor = systemActor,
): Promise<ContactImport> {
  const { store, runner } = deps;
  const parsed = contactImportOptionsSchema.safeParse(options);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { delimiter, mapping, groupId } = parsed.data;
  const { header, delimiter: chosen } = await headerOf(
    uploadPath(runner.dir, upload.id),
    delimiter === 'tab' ? '\t' : delimiter,
  );
  const columns = mapColumns(header, mapping);
  if (groupId !== undefined && !(await store.contacts.getGroup(project.id, groupId))) {
    throw new AppError('not_found', `No group ${groupId.slice(0, 64)} in this project.`, { field: 'groupId' });
  }
  const settings: ImportSettings = { delimiter: chosen, header, columns, groupId: groupId ?? null };
  const record = {
    id: upload.id,
    projectId: project.id,
    status: 'queued' as const,
    fileName: upload.fileName,
    bytes: upload.bytes,
    sha256: upload.sha256,
    settings: JSON.stringify(settings),
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    error: null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
  };
  await store.transaction(async (tx) => {
    await tx.imports.create(record);
    await recordChange(tx, actor, {
      projectId: project.id,
      accountId: project.accountId,
      action: 'contact.import',
      resource: { type: 'import', id: record.id },
      detail: { fileName: upload.fileName, bytes: upload.bytes, sha256: upload.sha256, columns: header.length },
      at: now,
    });
  });
  runner.run(record.id);
  return importView(record);
}

/** The import, or 404 (another account's too); reading it needs `view_history` in its project. */
async function existingImport(store: Store, importId: string, actor: Actor) {
  const found = await store.imports.get(importId);
  const missing = () => new AppError('import_not_found', 'No such import.', { field: 'importId' });
  if (!found) throw missing();
  await projectFor(store, found.projectId, 'view_history', actor.principal).catch((error: unknown) => {
    throw error instanceof AppError && error.code === 'project_not_found' ? missing() : error;
  });
  return found;
}

/** `GET /v1/imports/:importId`. */
export async function getImport(store: Store, importId: string, actor: Actor = systemActor): Promise<ContactImport> {
  return importView(await existingImport(store, importId, actor));
}

/** `GET /v1/projects/:projectId/imports`: newest first. */
export async function listImports(
  store: Store,
  projectId: string,
  query: unknown,
  page: PageRequest,
  actor: Actor = systemActor,
): Promise<Page<ContactImport>> {
  const project = await projectFor(store, projectId, 'view_history', actor.principal);
  const parsed = pageQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const found = await store.imports.page(project.id, page);
  return { items: found.items.map(importView), next: found.next };
}

/** Refused rows read per statement while the report streams. */
const REPORT_PAGE = 1000;

/**
 * `GET /v1/imports/:importId/errors`: the refused rows as CSV (`row,line,field,code,message`),
 * in file order, written through `write` page by page (false from `write`: the client left).
 */
export async function importErrorReport(store: Store, importId: string, actor: Actor = systemActor) {
  const found = await existingImport(store, importId, actor);
  return {
    fileName: `${found.id}-errors.csv`,
    async write(write: (text: string) => Promise<boolean>, cell: (value: unknown) => string) {
      if (!(await write('row,line,field,code,message\n'))) return;
      let after = 0;
      for (;;) {
        const rows = await store.imports.errors(found.id, after, REPORT_PAGE);
        if (rows.length === 0) return;
        const text = rows
          .map((e) => `${e.row},${e.line},${cell(e.field)},${cell(e.code)},${cell(e.message)}\n`)
          .join('');
        if (!(await write(text))) return;
        after = rows[rows.length - 1]!.row;
      }
    },
  };
}
