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
import { toPage } from '../sqlite/page.js';
import { pgAfterBounds } from './page-bounds.js';
import type { PgDb } from './queryable.js';
import { hasNul, refuseNul } from './nul-text.js';
import { unnestInput, unnestValues, type UnnestColumn } from './unnest.js';
import type { ImportRowError } from '../types/index.js';

const ERROR_COLUMNS: ReadonlyArray<UnnestColumn<ImportRowError>> = [
  ['row', 'bigint', (e) => e.row],
  ['line', 'bigint', (e) => e.line],
  ['field', 'text', (e) => e.field],
  ['code', 'text', (e) => e.code],
  ['message', 'text', (e) => e.message.replaceAll('\u0000', '\uFFFD')],
];

/** Contacts' CSV imports (issue 16) on PostgreSQL: SQLite's statements. */
export function createImportsRepo(db: PgDb): ImportsRepo {
  return {
    async create(record) {
      refuseNul({ fileName: record.fileName, settings: record.settings });
      const placeholders = IMPORT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
      await db.query(
        `INSERT INTO contact_imports (${IMPORT_COLUMNS.join(', ')}) VALUES (${placeholders})`,
        importValues(record),
      );
    },
    async get(id) {
      if (hasNul(id)) return null;
      const { rows } = await db.query<ImportRow>('SELECT * FROM contact_imports WHERE id = $1', [id]);
      return rows[0] ? toImport(rows[0]) : null;
    },
    async page(projectId, page) {
      if (hasNul(projectId)) return { items: [], next: null };
      const { afterKey, afterId } = pgAfterBounds(page);
      const { rows } = await db.query<ImportRow>(
        `SELECT * FROM contact_imports WHERE project_id = $1 AND (created_at, id COLLATE "C") < ($2::bigint, $3)
          ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $4`,
        [projectId, afterKey, afterId, page.limit + 1],
      );
      return toPage(rows, page, toImport, (r) => ({ key: Number(r.created_at), id: r.id }));
    },
    async start(id, at) {
      const { rowCount } = await db.query(startImportSql('$1', '$2'), [at, id]);
      return (rowCount ?? 0) > 0;
    },
    async progress(id, c, at) {
      await db.query(
        `UPDATE contact_imports SET rows = $2, created = $3, updated = $4, unchanged = $5, failed = $6, updated_at = $7
          WHERE id = $1`,
        [id, c.rows, c.created, c.updated, c.unchanged, c.failed, at],
      );
    },
    async addErrors(id, errors, cap) {
      if (errors.length === 0) return;
      // The report's cap: what fits below it, in row order (rows come in order).
      await db.query(
        `WITH input AS (${unnestInput(ERROR_COLUMNS)}),
          room AS (SELECT GREATEST(0, $${ERROR_COLUMNS.length + 2}::bigint - count(*)) AS n
            FROM contact_import_errors WHERE import_id = $${ERROR_COLUMNS.length + 1})
        INSERT INTO contact_import_errors (import_id, row, line, field, code, message)
        SELECT $${ERROR_COLUMNS.length + 1}, row, line, field, code, message
          FROM (SELECT DISTINCT ON (row) * FROM input ORDER BY row) i
         WHERE NOT EXISTS (SELECT 1 FROM contact_import_errors e
                            WHERE e.import_id = $${ERROR_COLUMNS.length + 1} AND e.row = i.row)
         ORDER BY row LIMIT (SELECT n FROM room)
        ON CONFLICT DO NOTHING`,
        [...unnestValues(ERROR_COLUMNS, errors), id, cap],
      );
    },
    async finish(id, outcome, at) {
      await db.query(
        `UPDATE contact_imports SET status = $2, error = $3, finished_at = $4, updated_at = $4
          WHERE id = $1 AND status IN ('queued', 'processing')`,
        [id, outcome.status, outcome.error?.replaceAll('\u0000', '\uFFFD') ?? null, at],
      );
    },
    async errors(id, afterRow, limit) {
      if (hasNul(id)) return [];
      const { rows } = await db.query<ImportErrorRow>(
        'SELECT row, line, field, code, message FROM contact_import_errors WHERE import_id = $1 AND row > $2 ORDER BY row LIMIT $3',
        [id, Math.floor(afterRow), limit],
      );
      return rows.map(toImportError);
    },
    async stale(before, limit) {
      const { rows } = await db.query<ImportRow>(
        `SELECT * FROM contact_imports WHERE status IN ('queued', 'processing') AND updated_at < $1
          ORDER BY updated_at LIMIT $2`,
        [before, limit],
      );
      return rows.map(toImport);
    },
  };
}
