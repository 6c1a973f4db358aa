import type { Channel } from '@messagejs/shared-types';

/** A provider connection of a project (Twilio, SMTP, …) and the channels it serves. */
export interface ConnectorRecord {
  id: string;
  projectId: string;
  type: string;
  name: string;
  /** Channels this connector serves in this project. */
  channels: Channel[];
  /** Non-secret settings. */
  config: Record<string, unknown>;
  /** Sealed credentials (AES-256-GCM); never leaves the relay. */
  sealedCredentials: string | null;
  /** Lower sends first among connectors of a channel. */
  priority: number;
  enabled: boolean;
  createdAt: number;
}

/** The connectors of each project. */
export interface ConnectorsRepo {
  create(record: ConnectorRecord): Promise<void>;
  get(id: string): Promise<ConnectorRecord | null>;
  list(projectId: string): Promise<ConnectorRecord[]>;
  /** Enabled connectors serving `channel`, by priority. */
  forChannel(projectId: string, channel: Channel): Promise<ConnectorRecord[]>;
  remove(id: string): Promise<boolean>;
}
