import type Database from 'better-sqlite3';
import type { Channel } from '@messagejs/shared-types';
import type { ConnectorRecord, ConnectorsRepo } from '../types/index.js';

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
}

const toRecord = (row: Row): ConnectorRecord => ({
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
});

export function createConnectorsRepo(db: Database.Database): ConnectorsRepo {
  const insert = db.prepare(
    `INSERT INTO connectors (id, project_id, type, name, channels, config, sealed_credentials, priority, enabled, created_at)
     VALUES (@id, @projectId, @type, @name, @channels, @config, @sealedCredentials, @priority, @enabled, @createdAt)`,
  );
  const byId = db.prepare<[string], Row>('SELECT * FROM connectors WHERE id = ?');
  const byProject = db.prepare<[string], Row>(
    'SELECT * FROM connectors WHERE project_id = ? ORDER BY priority, created_at',
  );
  const forChannel = db.prepare<[string, string], Row>(
    `SELECT c.* FROM connectors c, json_each(c.channels) ch
      WHERE c.project_id = ? AND c.enabled = 1 AND ch.value = ? ORDER BY c.priority, c.created_at`,
  );
  const remove = db.prepare('DELETE FROM connectors WHERE id = ?');
  return {
    async create(r) {
      insert.run({
        ...r,
        channels: JSON.stringify(r.channels),
        config: JSON.stringify(r.config),
        enabled: r.enabled ? 1 : 0,
      });
    },
    async get(id) {
      const row = byId.get(id);
      return row ? toRecord(row) : null;
    },
    async list(projectId) {
      return byProject.all(projectId).map(toRecord);
    },
    async forChannel(projectId, channel) {
      return forChannel.all(projectId, channel).map(toRecord);
    },
    async remove(id) {
      return remove.run(id).changes > 0;
    },
  };
}
