import type { TemplatesRepo } from '../types/index.js';
import type { PgDb } from './queryable.js';

export function createTemplatesRepo(_db: PgDb): TemplatesRepo {
  throw new Error('not yet on this branch');
}
