import type Database from 'better-sqlite3';
import type { Channel } from '@messagejs/shared-types';
import type { ConnectorRecord, ConnectorsRepo } from '../types/index.js';
import { afterBounds, toPage } from './page.js';

interface Row {
  id: string;
  project_id: string;
  type: string;
  name: string;
  channels: string;
  config: string;
  sealed_credentials: string | null;
  priority: number;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export const toRecord = (row: Row): ConnectorRecord => ({
  id: row.id,
  projectId: row.project_id,
  type: row.type,
  name: row.name,
  channels: JSON.parse(row.channels) as Channel[],
  config: JSON.parse(row.config) as Record<string, unknown>,
  sealedCredentials: row.sealed_credentials,
  priority: row.priority,
  enabled: row.enabled === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** A record as its row's parameters. */
const params = (r: ConnectorRecord) => ({
  ...r,
  channels: JSON.stringify(r.channels),
  config: JSON.stringify(r.config),
  enabled: r.enabled ? 1 : 0,
  updatedAt: r.updatedAt ?? r.createdAt,
});

export function createConnectorsRepo(db: Database.Database): ConnectorsRepo {
  const insert = db.prepare(
    `INSERT INTO connectors (id, project_id, type, name, channels, config, sealed_credentials, priority, enabled, created_at, updated_at)
     VALUES (@id, @projectId, @type, @name, @channels, @config, @sealedCredentials, @priority, @enabled, @createdAt, @updatedAt)`,
  );
  const byId = db.prepare<[string], Row>('SELECT * FROM connectors WHERE id = ?');
  const byProject = db.prepare<[string], Row>(
    'SELECT * FROM connectors WHERE project_id = ? ORDER BY priority, created_at',
  );
  const list = db.prepare<{ projectId: string; afterKey: number; afterId: string; limit: number }, Row>(
    `SELECT * FROM connectors WHERE project_id = @projectId AND (created_at, id) < (@afterKey, @afterId)
      ORDER BY created_at DESC, id DESC LIMIT @limit`,
  );
  const forChannel = db.prepare<[string, string], Row>(
    `SELECT c.* FROM connectors c, json_each(c.channels) ch
      WHERE c.project_id = ? AND c.enabled = 1 AND ch.value = ? ORDER BY c.priority, c.created_at`,
  );
  const save = db.prepare(
    `UPDATE connectors SET name = @name, channels = @channels, config = @config,
       sealed_credentials = @sealedCredentials, priority = @priority, enabled = @enabled, updated_at = @updatedAt
     WHERE id = @id`,
  );
  const update = db.transaction((id: string, patch: Partial<ConnectorRecord>, at: number) => {
    const row = byId.get(id);
    if (!row) return null;
    const next: ConnectorRecord = { ...toRecord(row), ...patch, updatedAt: at };
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
      return row ? toRecord(row) : null;
    },
    async list(projectId) {
      return byProject.all(projectId).map(toRecord);
    },
    async page(projectId, page) {
      const rows = list.all({ projectId, ...afterBounds(page), limit: page.limit + 1 });
      return toPage(rows, page, toRecord, (r) => ({ key: r.created_at, id: r.id }));
    },
    async forChannel(projectId, channel) {
      return forChannel.all(projectId, channel).map(toRecord);
    },
    async update(id, patch, at) {
      return update(id, patch, at);
    },
    async remove(id) {
      return remove.run(id).changes > 0;
    },
  };
}
