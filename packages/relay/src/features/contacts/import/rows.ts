import { CUSTOM_TEXT_MAX, updateContactRequestSchema } from '@messagejs/shared-types';
import type { ContactRecord, Project } from '../../../store/types.js';
import { AppError } from '../../../domain/app-error.js';
import { CONTROL } from '../../../domain/control-characters.js';
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

/** The fields a row may fill that zod checks here (phone and email are checked as they are normalised). */
type CheckedField = 'name' | 'firstName' | 'telegramChatId' | 'language' | 'timeZone' | 'status';
const CHECKED: readonly CheckedField[] = ['name', 'firstName', 'telegramChatId', 'language', 'timeZone', 'status'];

/**
 * Whether `value` is valid for `field`, by the contacts API's own schema. Fields with few distinct
 * values (a time zone costs 140 µs to check: `Intl` builds a formatter) remember their answers.
 */
const MEMO_FIELDS = new Set<CheckedField>(['language', 'timeZone', 'status']);
const memo = new Map<string, string | null>();
function fieldProblem(field: CheckedField, value: string): string | null {
  const key = MEMO_FIELDS.has(field) ? `${field}\u0000${value}` : null;
  const known = key === null ? undefined : memo.get(key);
  if (known !== undefined) return known;
  const checked = updateContactRequestSchema.shape[field].safeParse(value);
  const problem = checked.success ? null : (checked.error.issues[0]?.message ?? 'invalid');
  if (key !== null && memo.size < 10_000) memo.set(key, problem);
  return problem;
}

/** The first cell holding a control character: the field its column fills. */
function controlIn(cells: readonly string[], columns: readonly (ColumnTarget | null)[]): string | null | undefined {
  for (const [i, cell] of cells.entries()) if (CONTROL.test(cell)) return columns[i] ?? null;
  return undefined;
}

const problem = (field: string | null, message: string, code = 'validation_failed'): RowProblem => ({
  field,
  code,
  message,
});

/** The checks after placing: each field, custom texts' length, group names, an address at all. */
function checkFields(fields: RowFields): RowProblem | null {
  for (const field of CHECKED) {
    const value = fields[field];
    const invalid = value === undefined ? null : fieldProblem(field, value);
    if (invalid !== null) return problem(field, invalid);
  }
  for (const [key, value] of Object.entries(fields.custom)) {
    if (value.length > CUSTOM_TEXT_MAX) return problem(`custom.${key}`, `At most ${CUSTOM_TEXT_MAX} characters.`);
  }
  if (fields.groups.some((g) => g.length > 100)) return problem('groups', 'A group name is at most 100 characters.');
  if (fields.phone === undefined && fields.email === undefined && fields.telegramChatId === undefined) {
    return problem('phone', 'The row has no phone, email or Telegram chat id.');
  }
  return null;
}

/**
 * One row of a file as a contact's fields, checked as the contacts API checks them (its schema,
 * field by field; the phone in E.164 with the project's default country, an email's domain in
 * lower case), or why it is refused: a wrong number of cells, a control character, an invalid
 * field, no address at all.
 */
export function readRow(
  cells: readonly string[],
  columns: readonly (ColumnTarget | null)[],
  project: Project,
): RowFields | RowProblem {
  if (cells.length !== columns.length) {
    return problem(null, `The row has ${cells.length} cells where the header has ${columns.length}.`, 'column_count');
  }
  const control = controlIn(cells, columns);
  if (control !== undefined) return problem(control, 'A cell holds a control character.');
  const fields = place(cells, columns);
  const invalid = checkFields(fields);
  if (invalid) return invalid;
  try {
    if (fields.phone !== undefined) fields.phone = normaliseAddress(fields.phone, 'sms', project, 'phone');
    if (fields.email !== undefined) fields.email = normaliseAddress(fields.email, 'email', project, 'email');
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return problem(error.field ?? null, error.message, error.code);
  }
  return fields;
}

export const isProblem = (r: RowFields | RowProblem): r is RowProblem => 'code' in r;

/**
 * The contact a row makes (`id` and times given), its import's status `active` unless the row says.
 * Every property written out: `{ ...base, … }` with ten more properties cost 12 µs a contact on
 * Node 20 (V8 builds such an object the slow way), these 0.3 µs.
 */
export function newContact(
  fields: RowFields,
  base: Pick<ContactRecord, 'id' | 'projectId' | 'createdAt'>,
): ContactRecord {
  return {
    id: base.id,
    projectId: base.projectId,
    name: fields.name ?? null,
    firstName: fields.firstName ?? null,
    phone: fields.phone ?? null,
    email: fields.email ?? null,
    telegramChatId: fields.telegramChatId ?? null,
    language: fields.language ?? null,
    timeZone: fields.timeZone ?? null,
    status: fields.status ?? 'active',
    custom: fields.custom,
    createdAt: base.createdAt,
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
