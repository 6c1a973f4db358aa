import fs from 'node:fs';
import { z } from 'zod';
import {
  contactExportQuerySchema,
  contactImportOptionsSchema,
  contactImportAcceptedSchema,
  contactImportSchema,
  pageQuerySchema,
  pageSchema,
} from '@messagejs/shared-types';
import { newId } from '../../crypto/tokens.js';
import { receiveCsv } from '../../http/platform/csv-upload.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route, RouteDoc } from '../../http/platform/route.js';
import { csvCell } from '../../domain/csv-cell.js';
import type { Store } from '../../store/types.js';
import { exportContacts } from './export.js';
import {
  checkImportOptions,
  createImport,
  getImport,
  importErrorReport,
  importProject,
  listImports,
} from './import/imports.js';
import { uploadPath, type ImportRunner } from './import/runner.js';

/** The largest file an import takes: a million rows of a dozen columns fit. */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

/** What the import and export routes need. */
export interface ImportRouteDeps {
  store: Store;
  now: () => number;
  imports: ImportRunner;
  /** @default MAX_IMPORT_BYTES */
  maxImportBytes?: number;
}

const doc = (summary: string, extra: Partial<RouteDoc> & Pick<RouteDoc, 'responses'>): RouteDoc => ({
  summary,
  tag: 'Contacts',
  auth: 'admin',
  permission: 'view_history',
  ...extra,
});

/** CSV import and export of a project's contacts (issue 16). */
export function contactImportRoutes(deps: ImportRouteDeps): Route[] {
  const { store, now, imports } = deps;
  return [
    {
      method: 'POST',
      path: '/v1/projects/:projectId/contacts/import',
      doc: doc(
        'Import contacts from a CSV file (`text/csv` body, or a multipart form’s `file`): 202, then read in the background',
        {
          permission: 'manage_contacts',
          query: contactImportOptionsSchema,
          responses: { 202: contactImportAcceptedSchema },
        },
      ),
      async handle(request) {
        const actor = request.actor();
        // Who may import is checked before a byte of the file is read.
        const project = await importProject(store, request.params.projectId!, actor);
        const query = request.query();
        checkImportOptions(query);
        const id = newId('imp');
        const received = await receiveCsv(
          request.raw,
          uploadPath(imports.dir, id),
          deps.maxImportBytes ?? MAX_IMPORT_BYTES,
        );
        const upload = { id, bytes: received.bytes, sha256: received.sha256, fileName: received.fileName };
        try {
          const view = await createImport(
            { store, runner: imports },
            project,
            upload,
            { ...query, ...received.fields },
            now(),
            actor,
          );
          return { status: 202, headers: { Location: `/v1/imports/${id}` }, body: { importId: id, ...view } };
        } catch (error) {
          await fs.promises.rm(uploadPath(imports.dir, id), { force: true });
          throw error;
        }
      },
    },
    {
      method: 'GET',
      path: '/v1/projects/:projectId/imports',
      doc: doc('List a project’s contact imports, newest first', {
        query: pageQuerySchema,
        responses: { 200: pageSchema(contactImportSchema) },
      }),
      async handle(request) {
        const query = request.query();
        const found = await listImports(store, request.params.projectId!, query, pageRequest(query), request.actor());
        return { body: pageReply(found, (x) => x) };
      },
    },
    {
      method: 'GET',
      path: '/v1/imports/:importId',
      doc: doc('An import’s progress: rows read, created, updated, unchanged, duplicates, refused', {
        responses: { 200: contactImportSchema },
      }),
      handle: async (request) => ({ body: await getImport(store, request.params.importId!, request.actor()) }),
    },
    ...downloadRoutes(deps),
  ];
}

const attachment = (name: string) => ({
  'Content-Disposition': `attachment; filename="${name}"`,
  'Cache-Control': 'no-store',
});

/** The CSV downloads: an import's refused rows, and the contacts' export. */
function downloadRoutes({ store, now }: ImportRouteDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/imports/:importId/errors',
      doc: doc('Download an import’s refused rows as CSV (row, line, field, code, message)', {
        contentType: 'text/csv',
        responses: { 200: z.string() },
      }),
      async handle(request) {
        const report = await importErrorReport(store, request.params.importId!, request.actor());
        return {
          contentType: 'text/csv; charset=utf-8',
          headers: attachment(report.fileName),
          stream: (out) => report.write((text) => out.write(text), csvCell),
        };
      },
    },
    {
      method: 'GET',
      path: '/v1/projects/:projectId/contacts/export',
      doc: doc('Export contacts as CSV (the list’s filters; re-importable as it is), streamed', {
        query: contactExportQuerySchema,
        contentType: 'text/csv',
        responses: { 200: z.string() },
      }),
      async handle(request) {
        const exported = await exportContacts(
          store,
          request.params.projectId!,
          request.query(),
          now(),
          request.actor(),
        );
        return {
          contentType: 'text/csv; charset=utf-8',
          headers: attachment(exported.filename),
          stream: (out) => exported.stream(out),
        };
      },
    },
  ];
}
