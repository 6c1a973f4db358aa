import type { ImportRecord, ImportRowError } from './types/index.js';

/** A row of `contact_imports`, the same on both backends (PostgreSQL's BIGINTs read as numbers or strings). */
export interface ImportRow {
  id: string;
  project_id: string;
  status: ImportRecord['status'];
  file_name: string | null;
  bytes: number | string;
  sha256: string;
  settings: string;
  rows: number | string;
  created: number | string;
  updated: number | string;
  unchanged: number | string;
  failed: number | string;
  error: string | null;
  created_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
  updated_at: number | string;
}

const orNull = (v: number | string | null) => (v === null ? null : Number(v));

export const toImport = (r: ImportRow): ImportRecord => ({
  id: r.id,
  projectId: r.project_id,
  status: r.status,
  fileName: r.file_name,
  bytes: Number(r.bytes),
  sha256: r.sha256,
  settings: r.settings,
  rows: Number(r.rows),
  created: Number(r.created),
  updated: Number(r.updated),
  unchanged: Number(r.unchanged),
  failed: Number(r.failed),
  error: r.error,
  createdAt: Number(r.created_at),
  startedAt: orNull(r.started_at),
  finishedAt: orNull(r.finished_at),
  updatedAt: Number(r.updated_at),
});

/** The columns an import is created with, and their values, in the same order. */
export const IMPORT_COLUMNS = [
  'id',
  'project_id',
  'status',
  'file_name',
  'bytes',
  'sha256',
  'settings',
  'created_at',
  'updated_at',
] as const;

export const importValues = (r: ImportRecord): unknown[] => [
  r.id,
  r.projectId,
  r.status,
  r.fileName,
  r.bytes,
  r.sha256,
  r.settings,
  r.createdAt,
  r.updatedAt,
];

/** A row of `contact_import_errors`. */
export interface ImportErrorRow {
  row: number | string;
  line: number | string;
  field: string | null;
  code: string;
  message: string;
}

export const toImportError = (r: ImportErrorRow): ImportRowError => ({
  row: Number(r.row),
  line: Number(r.line),
  field: r.field,
  code: r.code,
  message: r.message,
});

/** `start`'s statement: the same text on both backends, but for its placeholders. */
export const startImportSql = (at: string, id: string) =>
  `UPDATE contact_imports SET status = 'processing', started_at = COALESCE(started_at, ${at}), updated_at = ${at}
    WHERE id = ${id} AND status IN ('queued', 'processing')`;
