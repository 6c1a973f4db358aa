import type { AuditRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createAuditRepo(_db: PgDb): AuditRepo {
  throw new Error('not yet on this branch');
}
