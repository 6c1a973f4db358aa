import { updateContactRequestSchema } from '@messagejs/shared-types';
import type { ContactRecord, Project } from '../../../store/types.js';
import { AppError } from '../../../domain/app-error.js';
import { controlFieldOf } from '../../../domain/control-characters.js';
import { normaliseAddress } from '../../recipients/opt-outs.js';
import type { ColumnTarget } from './columns.js';

/** What one row of a file gives a contact: only its non-empty cells (an empty cell changes nothing). */
export interface RowFields {
  name?: string;
  firstName?: string;
  phone?: string;
  email?: string;
  telegramChatId?: string;
  language?: string;
  timeZone?: string;
  status?: ContactRecord['status'];
  custom: Record<string, string>;
  /** Group names. */
  groups: string[];
}

/** A refused row: why, and which column. */
export interface RowProblem {
  field: string | null;
  code: string;
  message: string;
}

/** Group names in one cell: `;` or `|` between them. */
const splitGroups = (cell: string) =>
  cell
    .split(/[;|]/)
    .map((g) => g.trim())
    .filter((g) => g.length > 0);

/** A cell an export escaped against spreadsheet formulas (`'=…`, `'+…`: OWASP's rule, `domain/csv-cell.ts`) reads as it was. */
const unescaped = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

/** The row's cells placed in their fields; trimmed, empty ones left out, exports' formula escapes undone. */
function place(cells: readonly string[], columns: readonly (ColumnTarget | null)[]): RowFields {
  const fields: RowFields = { custom: {}, groups: [] };
  for (const [i, target] of columns.entries()) {
    const raw = cells[i]?.trim();
    const cell = raw && unescaped(raw);
    if (target === null || !cell) continue;
    if (target === 'groups') fields.groups = splitGroups(cell);
    else if (target.startsWith('custom.')) fields.custom[target.slice(7)] = cell;
    else (fields as unknown as Record<string, string>)[target] = cell;
  }
  return fields;
}

/**
 * One row of a file as a contact's fields, checked as the contacts API checks them (the phone in
 * E.164 with the project's default country, an email's domain in lower case), or why it is
 * refused: a wrong number of cells, a control character, an invalid field, no address at all.
 */
export function readRow(
  cells: readonly string[],
  columns: readonly (ColumnTarget | null)[],
  project: Project,
): RowFields | RowProblem {
  if (cells.length !== columns.length) {
    return {
      field: null,
      code: 'column_count',
      message: `The row has ${cells.length} cells where the header has ${columns.length}.`,
    };
  }
  const fields = place(cells, columns);
  const { groups, custom, ...rest } = fields;
  const control = controlFieldOf({ ...rest, custom, groups });
  if (control !== undefined) {
    return { field: control, code: 'validation_failed', message: 'A cell holds a control character.' };
  }
  const checked = updateContactRequestSchema.safeParse({ ...rest, ...(Object.keys(custom).length > 0 && { custom }) });
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { field: issue.path.map(String).join('.') || null, code: 'validation_failed', message: issue.message };
  }
  if (groups.some((g) => g.length > 100)) {
    return { field: 'groups', code: 'validation_failed', message: 'A group name is at most 100 characters.' };
  }
  if (fields.phone === undefined && fields.email === undefined && fields.telegramChatId === undefined) {
    return { field: 'phone', code: 'validation_failed', message: 'The row has no phone, email or Telegram chat id.' };
  }
  try {
    if (fields.phone !== undefined) fields.phone = normaliseAddress(fields.phone, 'sms', project, 'phone');
    if (fields.email !== undefined) fields.email = normaliseAddress(fields.email, 'email', project, 'email');
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { field: error.field ?? null, code: error.code, message: error.message };
  }
  return fields;
}

export const isProblem = (r: RowFields | RowProblem): r is RowProblem => 'code' in r;

/** The contact a row makes (`id` and times given), its import's status `active` unless the row says. */
export function newContact(
  fields: RowFields,
  base: Pick<ContactRecord, 'id' | 'projectId' | 'createdAt'>,
): ContactRecord {
  return {
    ...base,
    name: fields.name ?? null,
    firstName: fields.firstName ?? null,
    phone: fields.phone ?? null,
    email: fields.email ?? null,
    telegramChatId: fields.telegramChatId ?? null,
    language: fields.language ?? null,
    timeZone: fields.timeZone ?? null,
    status: fields.status ?? 'active',
    custom: fields.custom,
    updatedAt: base.createdAt,
  };
}

const SCALARS = ['name', 'firstName', 'phone', 'email', 'telegramChatId', 'language', 'timeZone', 'status'] as const;

/**
 * `contact` with the row's non-empty cells over it (custom fields merged key by key), or null when
 * that changes nothing: the same file imported again changes nothing.
 */
export function mergedContact(contact: ContactRecord, fields: RowFields, at: number): ContactRecord | null {
  let changed = false;
  const next: ContactRecord = { ...contact, custom: { ...contact.custom } };
  for (const key of SCALARS) {
    const value = fields[key];
    if (value !== undefined && value !== contact[key]) {
      (next as unknown as Record<string, unknown>)[key] = value;
      changed = true;
    }
  }
  for (const [key, value] of Object.entries(fields.custom)) {
    if (next.custom[key] !== value) {
      next.custom[key] = value;
      changed = true;
    }
  }
  return changed ? { ...next, updatedAt: at } : null;
}

/** Whether two states of a contact hold the same fields (times aside): a row merged back and forth changed nothing. */
export function sameFields(a: ContactRecord, b: ContactRecord): boolean {
  if (SCALARS.some((key) => a[key] !== b[key])) return false;
  const ak = Object.keys(a.custom);
  return (
    ak.length === Object.keys(b.custom).length &&
    ak.every((k) => Object.hasOwn(b.custom, k) && b.custom[k] === a.custom[k])
  );
}
