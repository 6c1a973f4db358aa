import type { PageRequest, VerifySessionFilter } from './types/index.js';
import { verifyHistoryColumns } from './verify-rows.js';

const SELECTED = verifyHistoryColumns.join(', ');

/**
 * The verification sessions' history statement (`verify.page`) for both backends, as
 * `historyStatement` (`message-history.ts`) is for messages: newest first by `created_at`, then by
 * id in byte order, through the index `verify_sessions_project_history (project_id, created_at,
 * id)`, one row more than the page. A status is judged at `filter.now`, as the history shows it:
 * a pending session past `expires_at` is `expired`. Null when no row can match.
 */
export function verifyHistoryStatement(
  projectId: string,
  filter: VerifySessionFilter,
  page: PageRequest,
  dialect: 'sqlite' | 'postgres',
): { text: string; values: unknown[] } | null {
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return dialect === 'sqlite' ? '?' : `$${values.length}`;
  };
  const id = dialect === 'sqlite' ? 'id' : 'id COLLATE "C"';
  const where = [`project_id = ${param(projectId)}`];
  if (page.after) {
    const key = Number(page.after.key);
    if (!Number.isSafeInteger(key)) return null;
    where.push(`(created_at, ${id}) < (${param(key)}, ${param(page.after.id)})`);
  }
  if (filter.statuses?.length) {
    const now = filter.now;
    const shown = {
      pending: () => `(status = 'pending' AND expires_at > ${param(now)})`,
      expired: () => `(status = 'expired' OR (status = 'pending' AND expires_at <= ${param(now)}))`,
      approved: () => `status = 'approved'`,
      canceled: () => `status = 'canceled'`,
    };
    where.push(`(${filter.statuses.map((status) => shown[status]()).join(' OR ')})`);
  }
  if (filter.channel !== undefined) where.push(`channel = ${param(filter.channel)}`);
  if (filter.country !== undefined) where.push(`country = ${param(filter.country)}`);
  if (filter.to && 'exact' in filter.to) where.push(`recipient = ${param(filter.to.exact)}`);
  // Digits only (the API checks): LIKE has nothing to read as a wildcard in them.
  if (filter.to && 'suffix' in filter.to) where.push(`recipient LIKE '%' || ${param(filter.to.suffix)}`);
  if (filter.createdFrom !== undefined) where.push(`created_at >= ${param(filter.createdFrom)}`);
  if (filter.createdBefore !== undefined) where.push(`created_at < ${param(filter.createdBefore)}`);
  const text = `SELECT ${SELECTED} FROM verify_sessions WHERE ${where.join(' AND ')}
    ORDER BY created_at DESC, ${id} DESC LIMIT ${param(page.limit + 1)}`;
  return { text, values };
}
