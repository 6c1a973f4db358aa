import type { ApiKey } from '../../domain/api-key.js';
import type { Project } from '../../domain/project.js';

export type { ApiKey } from '../../domain/api-key.js';

/** The API keys of each project. */
export interface KeysRepo {
  create(key: ApiKey, hash: string): Promise<void>;
  /** One indexed query by SHA-256 hash, with the key's project. */
  findByHash(hash: string): Promise<{ key: ApiKey; project: Project } | null>;
  list(projectId: string): Promise<ApiKey[]>;
  revoke(id: string, at: number): Promise<boolean>;
}
