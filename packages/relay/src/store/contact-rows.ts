import type { ContactRecord, GroupRecord } from './types/index.js';

/** A row of `contacts`, the same on both backends. */
export interface ContactRow {
  id: string;
  project_id: string;
  name: string | null;
  first_name: string | null;
  phone: string | null;
  email: string | null;
  telegram_chat_id: string | null;
  language: string | null;
  time_zone: string | null;
  status: ContactRecord['status'];
  custom: string;
  created_at: number;
  updated_at: number;
}

export const toContact = (r: ContactRow): ContactRecord => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  firstName: r.first_name,
  phone: r.phone,
  email: r.email,
  telegramChatId: r.telegram_chat_id,
  language: r.language,
  timeZone: r.time_zone,
  status: r.status,
  custom: JSON.parse(r.custom) as ContactRecord['custom'],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The contact's columns, in `CONTACT_COLUMNS` order. */
export const CONTACT_COLUMNS = [
  'id',
  'project_id',
  'name',
  'first_name',
  'phone',
  'email',
  'telegram_chat_id',
  'language',
  'time_zone',
  'status',
  'custom',
  'created_at',
  'updated_at',
] as const;

export const contactValues = (c: ContactRecord): unknown[] => [
  c.id,
  c.projectId,
  c.name,
  c.firstName,
  c.phone,
  c.email,
  c.telegramChatId,
  c.language,
  c.timeZone,
  c.status,
  JSON.stringify(c.custom),
  c.createdAt,
  c.updatedAt,
];

/** A row of `contact_groups` with its member count (`contacts`). */
export interface GroupRow {
  id: string;
  project_id: string;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
  contacts: number;
}

export const toGroup = (r: GroupRow): GroupRecord => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  description: r.description,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  contacts: Number(r.contacts),
});

/**
 * The contact list's conditions over `c` (a contact row), with parameters made by `param`: the
 * same text on both backends, but for ASCII case folding of `q`, which both do with `lower()`.
 */
export function contactConditions(
  filter: { q?: string; status?: string; groupId?: string },
  param: (value: unknown) => string,
): string[] {
  const where: string[] = [];
  if (filter.status !== undefined) where.push(`c.status = ${param(filter.status)}`);
  if (filter.groupId !== undefined) {
    where.push(
      `EXISTS (SELECT 1 FROM contact_group_members g WHERE g.contact_id = c.id AND g.group_id = ${param(filter.groupId)})`,
    );
  }
  if (filter.q !== undefined) {
    // LIKE's wildcards in the text are matched as themselves.
    const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const p = param(pattern);
    where.push(
      `(${['name', 'first_name', 'email', 'phone'].map((col) => `lower(c.${col}) LIKE ${p} ESCAPE '\\'`).join(' OR ')})`,
    );
  }
  return where;
}
