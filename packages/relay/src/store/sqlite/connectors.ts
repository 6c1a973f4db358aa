import type Database from 'better-sqlite3';
import type { ConnectorRecord, ConnectorsRepo } from '../types/index.js';
import { toConnector, type ConnectorRow } from '../connector-rows.js';
import { afterBounds, toPage } from './page.js';

/** A record as its row's parameters. */
const params = (r: ConnectorRecord) => ({
  ...r,
  channels: JSON.stringify(r.channels),
  config: JSON.stringify(r.config),
  enabled: r.enabled ? 1 : 0,
  updatedAt: r.updatedAt ?? r.createdAt,
  sendRate: r.sendRate ?? null,
});

export function createConnectorsRepo(db: Database.Database): ConnectorsRepo {
  const insert = db.prepare(
    `INSERT INTO connectors (id, project_id, type, name, channels, config, sealed_credentials, priority, enabled, created_at, updated_at,
       send_rate)
     VALUES (@id, @projectId, @type, @name, @channels, @config, @sealedCredentials, @priority, @enabled, @createdAt, @updatedAt,
       @sendRate)`,
  );
  const byId = db.prepare<[string], ConnectorRow>('SELECT * FROM connectors WHERE id = ?');
  const byProject = db.prepare<[string], ConnectorRow>(
    'SELECT * FROM connectors WHERE project_id = ? ORDER BY priority, created_at',
  );
  const list = db.prepare<{ projectId: string; afterKey: number; afterId: string; limit: number }, ConnectorRow>(
    `SELECT * FROM connectors WHERE project_id = @projectId AND (created_at, id) < (@afterKey, @afterId)
      ORDER BY created_at DESC, id DESC LIMIT @limit`,
  );
  const forChannel = db.prepare<[string, string], ConnectorRow>(
    `SELECT c.* FROM connectors c, json_each(c.channels) ch
      WHERE c.project_id = ? AND c.enabled = 1 AND ch.value = ? ORDER BY c.priority, c.created_at`,
  );
  const save = db.prepare(
    `UPDATE connectors SET name = @name, channels = @channels, config = @config,
       sealed_credentials = @sealedCredentials, priority = @priority, enabled = @enabled, updated_at = @updatedAt,
       send_rate = @sendRate
     WHERE id = @id`,
  );
  const update = db.transaction((id: string, patch: Partial<ConnectorRecord>, at: number) => {
    const row = byId.get(id);
    if (!row) return null;
    const next: ConnectorRecord = { ...toConnector(row), ...patch, updatedAt: at };
    save.run(params(next));
    return next;
  });
  const remove = db.prepare('DELETE FROM connectors WHERE id = ?');
  return {
    async create(r) {
      insert.run(params(r));
    },
    async get(id) {
      const row = byId.get(id);
      return row ? toConnector(row) : null;
    },
    async list(projectId) {
      return byProject.all(projectId).map(toConnector);
    },
    async page(projectId, page) {
      const rows = list.all({ projectId, ...afterBounds(page), limit: page.limit + 1 });
      return toPage(rows, page, toConnector, (r) => ({ key: r.created_at, id: r.id }));
    },
    async forChannel(projectId, channel) {
      return forChannel.all(projectId, channel).map(toConnector);
    },
    async update(id, patch, at) {
      return update(id, patch, at);
    },
    async remove(id) {
      return remove.run(id).changes > 0;
    },
  };
}
