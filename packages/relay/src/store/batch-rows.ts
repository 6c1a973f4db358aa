import type { BatchRecord } from './types/index.js';

/** A row of `batches`, the same on both backends. */
export interface BatchRow {
  id: string;
  project_id: string;
  key_id: string;
  total: number;
  accepted: number;
  rejected: number;
  created_at: number;
}

export const toBatch = (r: BatchRow): BatchRecord => ({
  id: r.id,
  projectId: r.project_id,
  keyId: r.key_id,
  total: r.total,
  accepted: r.accepted,
  rejected: r.rejected,
  createdAt: r.created_at,
});
