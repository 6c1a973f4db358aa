import type Database from 'better-sqlite3';
import type { OptOutsRepo } from '../types/index.js';

export function createOptOutsRepo(db: Database.Database): OptOutsRepo {
  const add = db.prepare(
    'INSERT INTO opt_outs (project_id, address, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const has = db.prepare('SELECT 1 FROM opt_outs WHERE project_id = ? AND address = ?');
  return {
    async add(projectId, address, at) {
      add.run(projectId, address, at);
    },
    async has(projectId, address) {
      return has.get(projectId, address) !== undefined;
    },
  };
}
