import type { MembersRepo } from '../types/index.js';
import { toMember, toMemberWithUser, type MemberRow } from '../member-rows.js';
import { toPage } from '../sqlite/page.js';
import { hasNul, refusingNul } from './nul-text.js';
import { pgAfterBounds } from './page-bounds.js';
import type { PgDb, Queryable } from './queryable.js';

type Row = MemberRow<string[]>;

const SELECT = `SELECT m.id, m.account_id, m.user_id, m.role, m.granted, m.withdrawn, m.all_projects, m.status,
    m.invited_by, m.created_at, m.updated_at, m.suspended_at, u.email, u.name,
    ARRAY(SELECT mp.project_id FROM member_projects mp WHERE mp.member_id = m.id
           ORDER BY mp.project_id COLLATE "C") AS project_ids
  FROM members m JOIN users u ON u.id = m.user_id`;

async function insertProjects(q: Queryable, memberId: string, projectIds: string[] | null): Promise<void> {
  const ids = [...new Set(projectIds ?? [])];
  if (ids.length === 0) return;
  await q.query('INSERT INTO member_projects (member_id, project_id) SELECT $1, unnest($2::text[])', [memberId, ids]);
}

/** The writes of a member and its project scope, each in one transaction. */
function memberWrites(db: PgDb): Pick<MembersRepo, 'create' | 'setProjects'> {
  return {
    async create(m) {
      await db.tx(async (q) => {
        await q.query(
          `INSERT INTO members (id, account_id, user_id, role, granted, withdrawn, all_projects, status, invited_by,
             created_at, updated_at, suspended_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [
            m.id,
            m.accountId,
            m.userId,
            m.role,
            JSON.stringify(m.granted),
            JSON.stringify(m.withdrawn),
            m.projectIds === null ? 1 : 0,
            m.status,
            m.invitedBy,
            m.createdAt,
            m.updatedAt,
            m.suspendedAt,
          ],
        );
        await insertProjects(q, m.id, m.projectIds);
      });
    },
    async setProjects(memberId, projectIds, at) {
      await db.tx(async (q) => {
        // The member's row first: two scope changes at once apply one after the other, not mixed.
        await q.query('UPDATE members SET all_projects = $1, updated_at = $2 WHERE id = $3', [
          projectIds === null ? 1 : 0,
          at,
          memberId,
        ]);
        await q.query('DELETE FROM member_projects WHERE member_id = $1', [memberId]);
        await insertProjects(q, memberId, projectIds);
      });
    },
  };
}

/** The members on PostgreSQL; behaves as `sqlite/members.ts`. */
export function createMembersRepo(pg: PgDb): MembersRepo {
  const db = refusingNul(pg);
  const rows = async (where: string, values: unknown[]) => (await db.query<Row>(`${SELECT} ${where}`, values)).rows;
  return {
    ...memberWrites(db),
    async get(accountId, memberId) {
      if (hasNul(accountId, memberId)) return null;
      const [row] = await rows('WHERE m.account_id = $1 AND m.id = $2', [accountId, memberId]);
      return row ? toMemberWithUser(row) : null;
    },
    async findForAuth(memberId) {
      if (hasNul(memberId)) return null;
      const [row] = await rows('WHERE m.id = $1', [memberId]);
      return row ? toMemberWithUser(row) : null;
    },
    async forUser(userId) {
      if (hasNul(userId)) return [];
      return (await rows('WHERE m.user_id = $1 ORDER BY m.created_at, m.id', [userId])).map(toMember);
    },
    async page(accountId, page) {
      const bounds = pgAfterBounds(page);
      if (hasNul(accountId)) return { items: [], next: null };
      const found = await rows(
        `WHERE m.account_id = $1 AND (m.created_at, m.id) < ($2, $3)
          ORDER BY m.created_at DESC, m.id DESC LIMIT $4`,
        [accountId, bounds.afterKey, bounds.afterId, page.limit + 1],
      );
      return toPage(found, page, toMemberWithUser, (r) => ({ key: r.created_at, id: r.id }));
    },
    async update(memberId, patch, at) {
      await db.query(
        `UPDATE members SET role = coalesce($1, role), granted = coalesce($2, granted),
           withdrawn = coalesce($3, withdrawn), updated_at = $4 WHERE id = $5`,
        [
          patch.role ?? null,
          patch.granted ? JSON.stringify(patch.granted) : null,
          patch.withdrawn ? JSON.stringify(patch.withdrawn) : null,
          at,
          memberId,
        ],
      );
    },
    async setStatus(memberId, status, at) {
      await db.query(
        `UPDATE members SET status = $1, updated_at = $2,
           suspended_at = CASE WHEN $1 = 'suspended' THEN $2::bigint ELSE NULL END WHERE id = $3`,
        [status, at, memberId],
      );
    },
    async remove(memberId) {
      await db.query('DELETE FROM members WHERE id = $1', [memberId]);
    },
    async countActiveOwners(accountId) {
      const { rows: counted } = await db.query<{ n: number }>(
        "SELECT count(*) AS n FROM members WHERE account_id = $1 AND role = 'owner' AND status = 'active'",
        [accountId],
      );
      return counted[0]!.n;
    },
  };
}
