import type Database from 'better-sqlite3';
import type { MemberRecord, MembersRepo } from '../types/index.js';
import { toMember, toMemberWithUser, type MemberRow } from '../member-rows.js';
import { afterBounds, toPage } from './page.js';

type Row = MemberRow<string | null>;

// Project ids never hold a comma (`prj_` + base62), so group_concat is a safe list.
const SELECT = `SELECT m.*, u.email, u.name,
    (SELECT group_concat(mp.project_id) FROM member_projects mp WHERE mp.member_id = m.id) AS project_ids
  FROM members m JOIN users u ON u.id = m.user_id`;

/** The statements that write a member and its project scope, and the scope's transaction. */
function memberWrites(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO members (id, account_id, user_id, role, granted, withdrawn, all_projects, status, invited_by, created_at, updated_at, suspended_at)
     VALUES (@id, @accountId, @userId, @role, @granted, @withdrawn, @allProjects, @status, @invitedBy, @createdAt, @updatedAt, @suspendedAt)`,
  );
  const insertProject = db.prepare('INSERT INTO member_projects (member_id, project_id) VALUES (?, ?)');
  const clearProjects = db.prepare('DELETE FROM member_projects WHERE member_id = ?');
  const setAll = db.prepare('UPDATE members SET all_projects = ?, updated_at = ? WHERE id = ?');
  const writeProjects = db.transaction((memberId: string, projectIds: string[] | null, at: number) => {
    clearProjects.run(memberId);
    setAll.run(projectIds === null ? 1 : 0, at, memberId);
    for (const id of new Set(projectIds ?? [])) insertProject.run(memberId, id);
  });
  const create = db.transaction((m: MemberRecord) => {
    insert.run({
      ...m,
      granted: JSON.stringify(m.granted),
      withdrawn: JSON.stringify(m.withdrawn),
      allProjects: m.projectIds === null ? 1 : 0,
    });
    for (const id of new Set(m.projectIds ?? [])) insertProject.run(m.id, id);
  });
  return { writeProjects, create };
}

export function createMembersRepo(db: Database.Database): MembersRepo {
  const { writeProjects, create } = memberWrites(db);
  const byAccount = db.prepare<[string, string], Row>(`${SELECT} WHERE m.account_id = ? AND m.id = ?`);
  const byId = db.prepare<[string], Row>(`${SELECT} WHERE m.id = ?`);
  const ofUser = db.prepare<[string], Row>(`${SELECT} WHERE m.user_id = ? ORDER BY m.created_at, m.id`);
  const list = db.prepare<{ accountId: string; afterKey: number; afterId: string; limit: number }, Row>(
    `${SELECT} WHERE m.account_id = @accountId AND (m.created_at, m.id) < (@afterKey, @afterId)
      ORDER BY m.created_at DESC, m.id DESC LIMIT @limit`,
  );
  const update = db.prepare(
    `UPDATE members SET role = coalesce(@role, role), granted = coalesce(@granted, granted),
       withdrawn = coalesce(@withdrawn, withdrawn), updated_at = @at WHERE id = @id`,
  );
  const setStatus = db.prepare(
    `UPDATE members SET status = @status, updated_at = @at,
       suspended_at = CASE WHEN @status = 'suspended' THEN @at ELSE NULL END WHERE id = @id`,
  );
  const remove = db.prepare('DELETE FROM members WHERE id = ?');
  const owners = db.prepare<[string], { n: number }>(
    "SELECT count(*) AS n FROM members WHERE account_id = ? AND role = 'owner' AND status = 'active'",
  );
  return {
    async create(member) {
      create(member);
    },
    async get(accountId, memberId) {
      const row = byAccount.get(accountId, memberId);
      return row ? toMemberWithUser(row) : null;
    },
    async findForAuth(memberId) {
      const row = byId.get(memberId);
      return row ? toMemberWithUser(row) : null;
    },
    async forUser(userId) {
      return ofUser.all(userId).map(toMember);
    },
    async page(accountId, page) {
      const rows = list.all({ accountId, ...afterBounds(page), limit: page.limit + 1 });
      return toPage(rows, page, toMemberWithUser, (r) => ({ key: r.created_at, id: r.id }));
    },
    async update(memberId, patch, at) {
      update.run({
        id: memberId,
        role: patch.role ?? null,
        granted: patch.granted ? JSON.stringify(patch.granted) : null,
        withdrawn: patch.withdrawn ? JSON.stringify(patch.withdrawn) : null,
        at,
      });
    },
    async setProjects(memberId, projectIds, at) {
      writeProjects(memberId, projectIds, at);
    },
    async setStatus(memberId, status, at) {
      setStatus.run({ id: memberId, status, at });
    },
    async remove(memberId) {
      remove.run(memberId);
    },
    async countActiveOwners(accountId) {
      return owners.get(accountId)!.n;
    },
  };
}
