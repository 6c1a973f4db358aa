import type { ConnectorsRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createConnectorsRepo(_db: PgDb): ConnectorsRepo {
  throw new Error('not yet on this branch');
}
