import type { Logger } from 'pino';
import type { Store } from '../types/index.js';

// PLACEHOLDER on the `processes` branch: pg-core writes the real PostgreSQL store. The
// integrator takes pg-core's file on merge.

/** Opens the PostgreSQL store (placeholder: throws until pg-core's file lands). */
export async function createPostgresStore(
  _url: string,
  _options: { migrate?: boolean; poolMax?: number; logger?: Logger } = {},
): Promise<Store & { onWork(listener: () => void): () => void }> {
  throw new Error('createPostgresStore: not on this branch yet (pg-core writes it)');
}
