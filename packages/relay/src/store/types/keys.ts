import type { Project } from './projects.js';

/** A project key (`pk_…` public, `sk_…` secret); stored only as its hash and prefix. */
export interface ApiKey {
  id: string;
  projectId: string;
  kind: 'public' | 'secret';
  prefix: string;
  name: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

/** The API keys of each project. */
export interface KeysRepo {
  create(key: ApiKey, hash: string): Promise<void>;
  /** One indexed query by SHA-256 hash, with the key's project. */
  findByHash(hash: string): Promise<{ key: ApiKey; project: Project } | null>;
  list(projectId: string): Promise<ApiKey[]>;
  revoke(id: string, at: number): Promise<boolean>;
}
