import type { ConnectorRecord, ConnectorsRepo } from '../types/index.js';
import { toConnector, type ConnectorRow } from '../connector-rows.js';
import { toPage } from '../sqlite/page.js';
import { pgAfterBounds } from './page-bounds.js';
import type { PgDb } from './queryable.js';
import { hasNul, refuseNul } from './nul-text.js';

const INSERT = `INSERT INTO connectors (id, name, channels, config, sealed_credentials, priority, enabled, updated_at,
    send_rate, project_id, type, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`;

const SAVE = `UPDATE connectors SET name = $2, channels = $3, config = $4, sealed_credentials = $5, priority = $6,
    enabled = $7, updated_at = $8, send_rate = $9
  WHERE id = $1`;

// Ids compare as SQLite's do (by code point), whatever the database's collation. Rows equal in
// the order's other columns come by id (SQLite gives them in insertion order; PostgreSQL has none).
const PAGE = `SELECT * FROM connectors WHERE project_id = $1 AND (created_at, id COLLATE "C") < ($2, $3)
  ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $4`;

// As SQLite's `json_each` join: a connector listing a channel twice comes twice.
const FOR_CHANNEL = `SELECT c.* FROM connectors c CROSS JOIN LATERAL json_array_elements_text(c.channels::json) AS ch(value)
  WHERE c.project_id = $1 AND c.enabled = 1 AND ch.value = $2
  ORDER BY c.priority, c.created_at, c.id COLLATE "C"`;

/** What a save writes, as parameters `$1`–`$9` (an insert adds the project, type and creation time). */
function settings(r: ConnectorRecord): unknown[] {
  refuseNul({ id: r.id, name: r.name, sealedCredentials: r.sealedCredentials });
  return [
    r.id,
    r.name,
    JSON.stringify(r.channels),
    JSON.stringify(r.config),
    r.sealedCredentials,
    r.priority,
    r.enabled ? 1 : 0,
    r.updatedAt ?? r.createdAt,
    r.sendRate ?? null,
  ];
}

export function createConnectorsRepo(db: PgDb): ConnectorsRepo {
  return {
    async create(r) {
      refuseNul({ projectId: r.projectId, type: r.type });
      await db.query(INSERT, [...settings(r), r.projectId, r.type, r.createdAt]);
    },
    async get(id) {
      if (hasNul(id)) return null;
      const { rows } = await db.query<ConnectorRow>('SELECT * FROM connectors WHERE id = $1', [id]);
      return rows[0] ? toConnector(rows[0]) : null;
    },
    async list(projectId) {
      if (hasNul(projectId)) return [];
      const { rows } = await db.query<ConnectorRow>(
        'SELECT * FROM connectors WHERE project_id = $1 ORDER BY priority, created_at, id COLLATE "C"',
        [projectId],
      );
      return rows.map(toConnector);
    },
    async page(projectId, page) {
      if (hasNul(projectId)) return { items: [], next: null };
      const { afterKey, afterId } = pgAfterBounds(page);
      const { rows } = await db.query<ConnectorRow>(PAGE, [projectId, afterKey, afterId, page.limit + 1]);
      return toPage(rows, page, toConnector, (r) => ({ key: r.created_at, id: r.id }));
    },
    async forChannel(projectId, channel) {
      if (hasNul(projectId, channel)) return [];
      const { rows } = await db.query<ConnectorRow>(FOR_CHANNEL, [projectId, channel]);
      return rows.map(toConnector);
    },
    async update(id, patch, at) {
      if (hasNul(id)) return null;
      return db.tx(async (q) => {
        const { rows } = await q.query<ConnectorRow>('SELECT * FROM connectors WHERE id = $1 FOR UPDATE', [id]);
        if (!rows[0]) return null;
        const next: ConnectorRecord = { ...toConnector(rows[0]), ...patch, updatedAt: at };
        await q.query(SAVE, settings(next));
        return next;
      });
    },
    async remove(id) {
      if (hasNul(id)) return false;
      const { rowCount } = await db.query('DELETE FROM connectors WHERE id = $1', [id]);
      return (rowCount ?? 0) > 0;
    },
  };
}
