import type { ApiKey, KeyRateLimit } from '../../domain/api-key.js';
import type { Project } from '../../domain/project.js';
import type { Page, PageRequest } from './page.js';

export type { ApiKey, KeyRateLimit } from '../../domain/api-key.js';

/** The API keys of each project. */
export interface KeysRepo {
  create(key: ApiKey, hash: string): Promise<void>;
  /** One indexed query by SHA-256 hash, with the key's project. */
  findByHash(hash: string): Promise<{ key: ApiKey; project: Project } | null>;
  /** Every key of the project, oldest first. */
  list(projectId: string): Promise<ApiKey[]>;
  /** The project's keys, newest first. */
  page(projectId: string, page: PageRequest): Promise<Page<ApiKey>>;
  /** One key of the project (null for another project's); with `projectId` null, of any project (the CLI). */
  get(projectId: string | null, id: string): Promise<ApiKey | null>;
  /** Renames a key or sets its own rate limit (null: the project's per-key limit). */
  update(id: string, patch: { name?: string | null; rateLimit?: KeyRateLimit | null }): Promise<void>;
  /** Ends a rotated key at `expiresAt` (now, for no grace) and names the key that replaced it. */
  retire(id: string, change: { expiresAt: number; replacedBy: string }): Promise<void>;
  revoke(id: string, at: number): Promise<boolean>;
  /** Records last-used times in one unit (batched off the request path); never moves one back. */
  touch(lastUsed: ReadonlyMap<string, number>): Promise<void>;
}
