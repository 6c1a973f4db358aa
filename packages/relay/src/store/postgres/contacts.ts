import type { ContactFilter, ContactRecord, ContactsRepo, GroupRecord, Page, PageRequest } from '../types/index.js';
import {
  CONTACT_COLUMNS,
  contactConditions,
  contactValues,
  toContact,
  toGroup,
  type ContactRow,
  type GroupRow,
} from '../contact-rows.js';
import { toPage } from '../sqlite/page.js';
import { pgAfterBounds } from './page-bounds.js';
import type { PgDb } from './queryable.js';
import { hasNul, refuseNul } from './nul-text.js';
import { unnestInput, unnestValues, type UnnestColumn } from './unnest.js';

/** A unique index refused the write (SQLSTATE 23505). */
const isUnique = (error: unknown) => (error as { code?: string }).code === '23505';

const GROUP_SELECT = `SELECT g.*, (SELECT count(*) FROM contact_group_members m WHERE m.group_id = g.id) AS contacts
  FROM contact_groups g`;

/** `work()`, or `taken` when a unique index refused it. */
async function write<T, U extends string>(work: () => Promise<T>, taken: U): Promise<T | U> {
  try {
    return await work();
  } catch (error) {
    if (isUnique(error)) return taken;
    throw error;
  }
}

/** A contact's text fields, refused when one holds NUL. */
const refuseNulIn = (c: ContactRecord) =>
  refuseNul({
    name: c.name,
    firstName: c.firstName,
    email: c.email,
    language: c.language,
    custom: JSON.stringify(c.custom),
  });

/** Every column of a contact as an `unnest` input (an import's chunks). */
const CONTACT_INPUT: ReadonlyArray<UnnestColumn<ContactRecord>> = CONTACT_COLUMNS.map((name, i) => [
  name,
  name === 'created_at' || name === 'updated_at' ? 'bigint' : 'text',
  (c: ContactRecord) => contactValues(c)[i],
]);

/** Contacts and groups (issue 16) on PostgreSQL: the statements of SQLite's repository, ids compared as SQLite does. */
export function createContactsRepo(db: PgDb): ContactsRepo {
  return { ...contactMethods(db), ...importMethods(db), ...groupMethods(db) };
}

type ImportMethods = Pick<ContactsRepo, 'byPhones' | 'byEmails' | 'createMany' | 'updateMany' | 'customKeys'>;

/** What an import (and an export's header) reads and writes many contacts at a time with. */
function importMethods(db: PgDb): ImportMethods {
  return {
    async byPhones(projectId, phones) {
      const wanted = phones.filter((p) => !hasNul(p));
      if (wanted.length === 0 || hasNul(projectId)) return [];
      const { rows } = await db.query<ContactRow>(
        'SELECT * FROM contacts WHERE project_id = $1 AND phone = ANY($2::text[])',
        [projectId, wanted],
      );
      return rows.map(toContact);
    },
    async byEmails(projectId, emails) {
      const wanted = emails.filter((e) => !hasNul(e));
      if (wanted.length === 0 || hasNul(projectId)) return [];
      const { rows } = await db.query<ContactRow>(
        'SELECT * FROM contacts WHERE project_id = $1 AND phone IS NULL AND email = ANY($2::text[])',
        [projectId, wanted],
      );
      return rows.map(toContact);
    },
    async createMany(contacts) {
      if (contacts.length === 0) return [];
      contacts.forEach(refuseNulIn);
      const { rows } = await db.query<{ id: string }>(
        `WITH input AS (${unnestInput(CONTACT_INPUT)})
        INSERT INTO contacts (${CONTACT_COLUMNS.join(', ')}) SELECT ${CONTACT_COLUMNS.join(', ')} FROM input
        ON CONFLICT DO NOTHING RETURNING id`,
        unnestValues(CONTACT_INPUT, contacts),
      );
      const written = new Set(rows.map((r) => r.id));
      return contacts.filter((c) => !written.has(c.id)).map((c) => c.id);
    },
    async updateMany(contacts) {
      if (contacts.length === 0) return;
      contacts.forEach(refuseNulIn);
      await db.query(
        `WITH input AS (${unnestInput(CONTACT_INPUT)})
        UPDATE contacts c SET ${CONTACT_COLUMNS.slice(2)
          .map((col) => `${col} = input.${col}`)
          .join(', ')}
        FROM input WHERE c.id = input.id AND c.project_id = input.project_id`,
        unnestValues(CONTACT_INPUT, contacts),
      );
    },
    async customKeys(projectId) {
      if (hasNul(projectId)) return [];
      const { rows } = await db.query<{ key: string }>(
        `SELECT DISTINCT k COLLATE "C" AS key FROM contacts c, jsonb_object_keys(c.custom::jsonb) k
          WHERE c.project_id = $1 ORDER BY 1`,
        [projectId],
      );
      return rows.map((r) => r.key);
    },
  };
}

type GroupMethods = Pick<
  ContactsRepo,
  'createGroup' | 'getGroup' | 'updateGroup' | 'removeGroup' | 'pageGroups' | 'addMembers' | 'removeMembers'
>;

function contactMethods(db: PgDb): Omit<ContactsRepo, keyof GroupMethods | keyof ImportMethods> {
  return {
    async create(contact) {
      refuseNulIn(contact);
      const placeholders = CONTACT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
      return await write(async () => {
        await db.query(
          `INSERT INTO contacts (${CONTACT_COLUMNS.join(', ')}) VALUES (${placeholders})`,
          contactValues(contact),
        );
        return 'ok' as const;
      }, 'phone_taken');
    },
    async get(projectId, id) {
      if (hasNul(projectId, id)) return null;
      const { rows } = await db.query<ContactRow>('SELECT * FROM contacts WHERE id = $1 AND project_id = $2', [
        id,
        projectId,
      ]);
      return rows[0] ? toContact(rows[0]) : null;
    },
    async getByPhone(projectId, phone) {
      if (hasNul(projectId, phone)) return null;
      const { rows } = await db.query<ContactRow>('SELECT * FROM contacts WHERE project_id = $1 AND phone = $2', [
        projectId,
        phone,
      ]);
      return rows[0] ? toContact(rows[0]) : null;
    },
    async update(contact) {
      refuseNulIn(contact);
      const columns = CONTACT_COLUMNS.slice(2);
      const set = columns.map((c, i) => `${c} = $${i + 1}`).join(', ');
      const values = [...contactValues(contact).slice(2), contact.id, contact.projectId];
      return await write(async () => {
        const { rowCount } = await db.query(
          `UPDATE contacts SET ${set} WHERE id = $${columns.length + 1} AND project_id = $${columns.length + 2}`,
          values,
        );
        return (rowCount ?? 0) > 0 ? ('ok' as const) : null;
      }, 'phone_taken');
    },
    async remove(projectId, id) {
      if (hasNul(projectId, id)) return false;
      const { rowCount } = await db.query('DELETE FROM contacts WHERE id = $1 AND project_id = $2', [id, projectId]);
      return (rowCount ?? 0) > 0;
    },
    page: (projectId, filter, page) => pageContacts(db, projectId, filter, page),
    async groupsOf(contactIds) {
      const found = new Map<string, string[]>(contactIds.map((id) => [id, []]));
      const ids = contactIds.filter((id) => !hasNul(id));
      if (ids.length === 0) return found;
      const { rows } = await db.query<{ contact_id: string; group_id: string }>(
        `SELECT contact_id, group_id FROM contact_group_members WHERE contact_id = ANY($1::text[])
          ORDER BY added_at, group_id COLLATE "C"`,
        [ids],
      );
      for (const r of rows) found.get(r.contact_id)?.push(r.group_id);
      return found;
    },
  };
}

function groupMethods(db: PgDb): GroupMethods {
  return {
    async createGroup(group) {
      refuseNul({ name: group.name, description: group.description });
      return await write(async () => {
        await db.query(
          `INSERT INTO contact_groups (id, project_id, name, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
          [group.id, group.projectId, group.name, group.description, group.createdAt, group.updatedAt],
        );
        return 'ok' as const;
      }, 'name_taken');
    },
    async getGroup(projectId, id) {
      if (hasNul(projectId, id)) return null;
      const { rows } = await db.query<GroupRow>(`${GROUP_SELECT} WHERE g.id = $1 AND g.project_id = $2`, [
        id,
        projectId,
      ]);
      return rows[0] ? toGroup(rows[0]) : null;
    },
    async updateGroup(group) {
      refuseNul({ name: group.name, description: group.description });
      return await write(async () => {
        const { rowCount } = await db.query(
          'UPDATE contact_groups SET name = $1, description = $2, updated_at = $3 WHERE id = $4 AND project_id = $5',
          [group.name, group.description, group.updatedAt, group.id, group.projectId],
        );
        return (rowCount ?? 0) > 0 ? ('ok' as const) : null;
      }, 'name_taken');
    },
    async removeGroup(projectId, id) {
      if (hasNul(projectId, id)) return false;
      const { rowCount } = await db.query('DELETE FROM contact_groups WHERE id = $1 AND project_id = $2', [
        id,
        projectId,
      ]);
      return (rowCount ?? 0) > 0;
    },
    async pageGroups(projectId, page) {
      if (hasNul(projectId)) return { items: [], next: null };
      const { afterKey, afterId } = pgAfterBounds(page);
      const { rows } = await db.query<GroupRow>(
        `${GROUP_SELECT} WHERE g.project_id = $1 AND (g.created_at, g.id COLLATE "C") < ($2::bigint, $3)
          ORDER BY g.created_at DESC, g.id COLLATE "C" DESC LIMIT $4`,
        [projectId, afterKey, afterId, page.limit + 1],
      );
      return toPage(rows, page, toGroup, (r) => ({ key: r.created_at, id: r.id }));
    },
    async addMembers(group: Pick<GroupRecord, 'id' | 'projectId'>, contactIds, at) {
      const ids = contactIds.filter((id) => !hasNul(id));
      if (ids.length === 0) return 0;
      const { rowCount } = await db.query(
        `INSERT INTO contact_group_members (group_id, contact_id, added_at)
         SELECT $1, c.id, $2 FROM contacts c WHERE c.project_id = $3 AND c.id = ANY($4::text[])
         ON CONFLICT DO NOTHING`,
        [group.id, at, group.projectId, ids],
      );
      return rowCount ?? 0;
    },
    async removeMembers(groupId, contactIds) {
      const ids = contactIds.filter((id) => !hasNul(id));
      if (ids.length === 0 || hasNul(groupId)) return 0;
      const { rowCount } = await db.query(
        'DELETE FROM contact_group_members WHERE group_id = $1 AND contact_id = ANY($2::text[])',
        [groupId, ids],
      );
      return rowCount ?? 0;
    },
  };
}

/** `page`: the list's statement with its filters' conditions. */
async function pageContacts(
  db: PgDb,
  projectId: string,
  filter: ContactFilter,
  page: PageRequest,
): Promise<Page<ContactRecord>> {
  if (hasNul(projectId, filter.q ?? '', filter.groupId ?? '')) return { items: [], next: null };
  const values: unknown[] = [projectId];
  const param = (v: unknown) => (values.push(v), `$${values.length}`);
  const { afterKey, afterId } = pgAfterBounds(page);
  const where = ['c.project_id = $1', ...contactConditions(filter, param)];
  where.push(`(c.created_at, c.id COLLATE "C") < (${param(afterKey)}::bigint, ${param(afterId)})`);
  const { rows } = await db.query<ContactRow>(
    `SELECT c.* FROM contacts c WHERE ${where.join(' AND ')}
      ORDER BY c.created_at DESC, c.id COLLATE "C" DESC LIMIT ${param(page.limit + 1)}`,
    values,
  );
  return toPage(rows, page, toContact, (r) => ({ key: r.created_at, id: r.id }));
}
