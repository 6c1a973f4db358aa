import type { InvitesRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createInvitesRepo(_db: PgDb): InvitesRepo {
  throw new Error('not yet on this branch');
}
