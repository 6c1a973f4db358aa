import type { Channel } from '@messagejs/shared-types';
import type { Page, PageRequest } from './page.js';

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
  /** Messages per second the worker sends through it (issue 16); absent: as fast as it can. */
  sendRate?: number | null;
  enabled: boolean;
  createdAt: number;
  /** When its settings or credentials last changed (its creation, until then). */
  updatedAt?: number;
}

/** What an update may change; credentials are replaced whole, never merged. */
export type ConnectorPatch = Partial<
  Pick<ConnectorRecord, 'name' | 'channels' | 'config' | 'sealedCredentials' | 'priority' | 'sendRate' | 'enabled'>
>;

/** The connectors of each project. */
export interface ConnectorsRepo {
  create(record: ConnectorRecord): Promise<void>;
  get(id: string): Promise<ConnectorRecord | null>;
  /** Every connector of the project, by priority. */
  list(projectId: string): Promise<ConnectorRecord[]>;
  /** The project's connectors, newest first. */
  page(projectId: string, page: PageRequest): Promise<Page<ConnectorRecord>>;
  /** Enabled connectors serving `channel`, by priority. */
  forChannel(projectId: string, channel: Channel): Promise<ConnectorRecord[]>;
  /** Changes a connector; the answer is the record after the change (null when there is none). */
  update(id: string, patch: ConnectorPatch, at: number): Promise<ConnectorRecord | null>;
  remove(id: string): Promise<boolean>;
}
