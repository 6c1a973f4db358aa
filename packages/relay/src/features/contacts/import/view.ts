import type { ContactImport } from '@messagejs/shared-types';
import type { ImportRecord } from '../../../store/types.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An import as the API shows it: its counts, and where its report of refused rows is. */
export function importView(r: ImportRecord): ContactImport {
  return {
    id: r.id,
    projectId: r.projectId,
    status: r.status,
    fileName: r.fileName,
    bytes: r.bytes,
    rows: r.rows,
    created: r.created,
    updated: r.updated,
    unchanged: r.unchanged,
    duplicates: Math.max(0, r.rows - r.created - r.updated - r.unchanged - r.failed),
    failed: r.failed,
    error: r.error,
    errorsUrl: `/v1/imports/${r.id}/errors`,
    createdAt: iso(r.createdAt)!,
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
  };
}
