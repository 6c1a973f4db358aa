import type Database from 'better-sqlite3';
import type { ImportsRepo } from '../types/index.js';
import {
  IMPORT_COLUMNS,
  importValues,
  startImportSql,
  toImport,
  toImportError,
  type ImportErrorRow,
  type ImportRow,
} from '../import-rows.js';
import { afterBounds, toPage } from './page.js';

/** Contacts' CSV imports (issue 16) on SQLite. */
export function createImportsRepo(db: Database.Database): ImportsRepo {
  const insert = db.prepare(
    `INSERT INTO contact_imports (${IMPORT_COLUMNS.join(', ')}) VALUES (${IMPORT_COLUMNS.map(() => '?').join(', ')})`,
  );
  const byId = db.prepare<[string], ImportRow>('SELECT * FROM contact_imports WHERE id = ?');
  const page = db.prepare<{ projectId: string; afterKey: number; afterId: string; limit: number }, ImportRow>(
    `SELECT * FROM contact_imports WHERE project_id = @projectId AND (created_at, id) < (@afterKey, @afterId)
      ORDER BY created_at DESC, id DESC LIMIT @limit`,
  );
  const start = db.prepare(startImportSql('@at', '@id'));
  const progress = db.prepare(
    `UPDATE contact_imports SET rows = @rows, created = @created, updated = @updated, unchanged = @unchanged,
      failed = @failed, updated_at = @at WHERE id = @id`,
  );
  const kept = db.prepare<[string], { n: number }>(
    'SELECT count(*) AS n FROM contact_import_errors WHERE import_id = ?',
  );
  const addError = db.prepare(
    `INSERT INTO contact_import_errors (import_id, row, line, field, code, message)
     VALUES (@id, @row, @line, @field, @code, @message) ON CONFLICT DO NOTHING`,
  );
  const finish = db.prepare(
    `UPDATE contact_imports SET status = @status, error = @error, finished_at = @at, updated_at = @at
      WHERE id = @id AND status IN ('queued', 'processing')`,
  );
  const errors = db.prepare<[string, number, number], ImportErrorRow>(
    'SELECT row, line, field, code, message FROM contact_import_errors WHERE import_id = ? AND row > ? ORDER BY row LIMIT ?',
  );
  const stale = db.prepare<[number, number], ImportRow>(
    `SELECT * FROM contact_imports WHERE status IN ('queued', 'processing') AND updated_at < ? ORDER BY updated_at LIMIT ?`,
  );
  return {
    async create(record) {
      insert.run(...importValues(record));
    },
    async get(id) {
      const row = byId.get(id);
      return row ? toImport(row) : null;
    },
    async page(projectId, request) {
      const rows = page.all({ projectId, ...afterBounds(request), limit: request.limit + 1 });
      return toPage(rows, request, toImport, (r) => ({ key: Number(r.created_at), id: r.id }));
    },
    async start(id, at) {
      return start.run({ id, at }).changes > 0;
    },
    async progress(id, counts, at) {
      progress.run({ id, at, ...counts });
    },
    async addErrors(id, rowErrors, cap) {
      // Lowest rows first; a row already kept takes no room.
      let room = cap - kept.get(id)!.n;
      for (const e of [...rowErrors].sort((a, b) => a.row - b.row)) {
        if (room <= 0) break;
        room -= addError.run({ id, ...e }).changes;
      }
    },
    async finish(id, outcome, at) {
      finish.run({ id, status: outcome.status, error: outcome.error ?? null, at });
    },
    async errors(id, afterRow, limit) {
      return errors.all(id, afterRow, limit).map(toImportError);
    },
    async stale(before, limit) {
      return stale.all(before, limit).map(toImport);
    },
  };
}
