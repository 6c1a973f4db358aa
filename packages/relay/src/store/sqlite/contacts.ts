import type Database from 'better-sqlite3';
import type { ContactRecord, ContactsRepo, GroupRecord } from '../types/index.js';
import {
  CONTACT_COLUMNS,
  contactConditions,
  contactValues,
  toContact,
  toGroup,
  type ContactRow,
  type GroupRow,
} from '../contact-rows.js';
import { afterBounds, toPage } from './page.js';

const isUnique = (error: unknown) => (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

/** `write()`, or `taken` when a unique index refused it. */
function tryWrite<T, U extends string>(write: () => T, taken: U): T | U {
  try {
    return write();
  } catch (error) {
    if (isUnique(error)) return taken;
    throw error;
  }
}

/** Contacts and groups (issue 16) on SQLite. */
export function createContactsRepo(db: Database.Database): ContactsRepo {
  return { ...contactMethods(db), ...importMethods(db), ...groupMethods(db) };
}

type ImportMethods = Pick<ContactsRepo, 'byPhones' | 'byEmails' | 'createMany' | 'updateMany' | 'customKeys'>;

/** What an import (and an export's header) reads and writes many contacts at a time with. */
function importMethods(db: Database.Database): ImportMethods {
  const save = db.prepare(
    `UPDATE contacts SET ${CONTACT_COLUMNS.slice(2)
      .map((c) => `${c} = ?`)
      .join(', ')} WHERE id = ? AND project_id = ?`,
  );
  const byPhones = db.prepare<[string, string], ContactRow>(
    'SELECT * FROM contacts WHERE project_id = ? AND phone IN (SELECT value FROM json_each(?))',
  );
  const byEmails = db.prepare<[string, string], ContactRow>(
    'SELECT * FROM contacts WHERE project_id = ? AND phone IS NULL AND email IN (SELECT value FROM json_each(?))',
  );
  const insertNew = db.prepare(
    `INSERT INTO contacts (${CONTACT_COLUMNS.join(', ')}) VALUES (${CONTACT_COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT DO NOTHING`,
  );
  const customKeys = db.prepare<[string], { key: string }>(
    'SELECT DISTINCT j.key AS key FROM contacts c, json_each(c.custom) j WHERE c.project_id = ? ORDER BY 1',
  );
  return {
    async byPhones(projectId, phones) {
      return phones.length === 0 ? [] : byPhones.all(projectId, JSON.stringify(phones)).map(toContact);
    },
    async byEmails(projectId, emails) {
      return emails.length === 0 ? [] : byEmails.all(projectId, JSON.stringify(emails)).map(toContact);
    },
    async createMany(contacts) {
      return contacts.filter((c) => insertNew.run(...contactValues(c)).changes === 0).map((c) => c.id);
    },
    async updateMany(contacts) {
      for (const c of contacts) save.run(...contactValues(c).slice(2), c.id, c.projectId);
    },
    async customKeys(projectId) {
      return customKeys.all(projectId).map((r) => r.key);
    },
  };
}

type GroupMethods = Pick<
  ContactsRepo,
  'createGroup' | 'getGroup' | 'updateGroup' | 'removeGroup' | 'pageGroups' | 'addMembers' | 'removeMembers'
>;

function contactMethods(db: Database.Database): Omit<ContactsRepo, keyof GroupMethods | keyof ImportMethods> {
  const insert = db.prepare(
    `INSERT INTO contacts (${CONTACT_COLUMNS.join(', ')}) VALUES (${CONTACT_COLUMNS.map(() => '?').join(', ')})`,
  );
  const save = db.prepare(
    `UPDATE contacts SET ${CONTACT_COLUMNS.slice(2)
      .map((c) => `${c} = ?`)
      .join(', ')} WHERE id = ? AND project_id = ?`,
  );
  const byId = db.prepare<[string, string], ContactRow>('SELECT * FROM contacts WHERE id = ? AND project_id = ?');
  const byPhone = db.prepare<[string, string], ContactRow>('SELECT * FROM contacts WHERE project_id = ? AND phone = ?');
  const remove = db.prepare('DELETE FROM contacts WHERE id = ? AND project_id = ?');
  const groupsOf = db.prepare<[string], { contact_id: string; group_id: string }>(
    'SELECT contact_id, group_id FROM contact_group_members WHERE contact_id IN (SELECT value FROM json_each(?)) ORDER BY added_at, group_id',
  );
  return {
    async create(contact) {
      return tryWrite(() => (insert.run(...contactValues(contact)), 'ok' as const), 'phone_taken');
    },
    async get(projectId, id) {
      const row = byId.get(id, projectId);
      return row ? toContact(row) : null;
    },
    async getByPhone(projectId, phone) {
      const row = byPhone.get(projectId, phone);
      return row ? toContact(row) : null;
    },
    async update(contact: ContactRecord) {
      return tryWrite(() => {
        const changes = save.run(...contactValues(contact).slice(2), contact.id, contact.projectId).changes;
        return changes > 0 ? ('ok' as const) : null;
      }, 'phone_taken');
    },
    async remove(projectId, id) {
      return remove.run(id, projectId).changes > 0;
    },
    async page(projectId, filter, page) {
      // Named parameters: a condition may use one several times.
      const values: Record<string, unknown> = { project: projectId };
      const param = (v: unknown) => {
        const name = `p${Object.keys(values).length}`;
        values[name] = v;
        return `@${name}`;
      };
      const { afterKey, afterId } = afterBounds(page);
      const where = ['c.project_id = @project', ...contactConditions(filter, param)];
      where.push(`(c.created_at, c.id) < (${param(afterKey)}, ${param(afterId)})`);
      const rows = db
        .prepare<[Record<string, unknown>], ContactRow>(
          `SELECT c.* FROM contacts c WHERE ${where.join(' AND ')} ORDER BY c.created_at DESC, c.id DESC LIMIT ${param(page.limit + 1)}`,
        )
        .all(values);
      return toPage(rows, page, toContact, (r) => ({ key: r.created_at, id: r.id }));
    },
    async groupsOf(contactIds) {
      const found = new Map<string, string[]>(contactIds.map((id) => [id, []]));
      if (contactIds.length === 0) return found;
      for (const r of groupsOf.all(JSON.stringify(contactIds))) found.get(r.contact_id)?.push(r.group_id);
      return found;
    },
  };
}

function groupMethods(db: Database.Database): GroupMethods {
  const groupSelect = `SELECT g.*, (SELECT count(*) FROM contact_group_members m WHERE m.group_id = g.id) AS contacts
    FROM contact_groups g`;
  const groupById = db.prepare<[string, string], GroupRow>(`${groupSelect} WHERE g.id = ? AND g.project_id = ?`);
  const insertGroup = db.prepare(
    `INSERT INTO contact_groups (id, project_id, name, description, created_at, updated_at)
     VALUES (@id, @projectId, @name, @description, @createdAt, @updatedAt)`,
  );
  const saveGroup = db.prepare(
    'UPDATE contact_groups SET name = @name, description = @description, updated_at = @updatedAt WHERE id = @id AND project_id = @projectId',
  );
  const removeGroup = db.prepare('DELETE FROM contact_groups WHERE id = ? AND project_id = ?');
  const groupPage = db.prepare<{ projectId: string; afterKey: number; afterId: string; limit: number }, GroupRow>(
    `${groupSelect} WHERE g.project_id = @projectId AND (g.created_at, g.id) < (@afterKey, @afterId)
      ORDER BY g.created_at DESC, g.id DESC LIMIT @limit`,
  );
  const addMembers = db.prepare(
    `INSERT INTO contact_group_members (group_id, contact_id, added_at)
     SELECT ?, c.id, ? FROM contacts c WHERE c.project_id = ? AND c.id IN (SELECT value FROM json_each(?))
     ON CONFLICT DO NOTHING`,
  );
  const removeMembers = db.prepare(
    'DELETE FROM contact_group_members WHERE group_id = ? AND contact_id IN (SELECT value FROM json_each(?))',
  );
  return {
    async createGroup(group) {
      return tryWrite(() => (insertGroup.run(group), 'ok' as const), 'name_taken');
    },
    async getGroup(projectId, id) {
      const row = groupById.get(id, projectId);
      return row ? toGroup(row) : null;
    },
    async updateGroup(group) {
      return tryWrite(() => (saveGroup.run(group).changes > 0 ? ('ok' as const) : null), 'name_taken');
    },
    async removeGroup(projectId, id) {
      return removeGroup.run(id, projectId).changes > 0;
    },
    async pageGroups(projectId, page) {
      const rows = groupPage.all({ projectId, ...afterBounds(page), limit: page.limit + 1 });
      return toPage(rows, page, toGroup, (r) => ({ key: r.created_at, id: r.id }));
    },
    async addMembers(group: Pick<GroupRecord, 'id' | 'projectId'>, contactIds, at) {
      return addMembers.run(group.id, at, group.projectId, JSON.stringify(contactIds)).changes;
    },
    async removeMembers(groupId, contactIds) {
      return removeMembers.run(groupId, JSON.stringify(contactIds)).changes;
    },
  };
}
