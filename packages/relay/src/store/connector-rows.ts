import type { Channel } from '@messagejs/shared-types';
import type { ConnectorRecord } from './types/index.js';

/**
 * A row of `connectors`. The same on every backend (the PostgreSQL schema mirrors SQLite's
 * columns and value representations), and so is the mapper below, shared by both.
 */
export interface ConnectorRow {
  id: string;
  project_id: string;
  type: string;
  name: string;
  channels: string;
  config: string;
  sealed_credentials: string | null;
  priority: number;
  send_rate?: number | null;
  enabled: number;
  created_at: number;
  updated_at: number;
}

/** Maps a `connectors` row to its record. */
export const toConnector = (row: ConnectorRow): ConnectorRecord => ({
  id: row.id,
  projectId: row.project_id,
  type: row.type,
  name: row.name,
  channels: JSON.parse(row.channels) as Channel[],
  config: JSON.parse(row.config) as Record<string, unknown>,
  sealedCredentials: row.sealed_credentials,
  priority: row.priority,
  ...(row.send_rate != null && { sendRate: row.send_rate }),
  enabled: row.enabled === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
