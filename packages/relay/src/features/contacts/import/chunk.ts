import type { ContactRecord, ImportCounts, ImportRowError, Project, Repositories } from '../../../store/types.js';
import { newId } from '../../../crypto/tokens.js';
import { utf8Length } from '@messagejs/shared-types';
import { contactViews } from '../contacts.js';
import { isProblem, mergedContact, newContact, sameFields, type RowFields, type RowProblem } from './rows.js';

/** A row of a chunk: its number and line, and its fields or why it was refused. */
export interface ChunkRow {
  row: number;
  line: number;
  read: RowFields | RowProblem;
}

/** What a chunk needs beyond its rows. */
export interface ChunkContext {
  project: Project;
  importId: string;
  /** The import's group (`groupId`), which every contact of the file joins. */
  groupId: string | null;
  /** Group ids by name, for a `groups` column (every name of the chunk is in it). */
  groupIds: ReadonlyMap<string, string>;
  /** Refused rows the report keeps at most. */
  maxErrors: number;
  at: number;
}

/** The key a row is matched by: its phone, else its email, else its Telegram chat id. */
const keyOf = (c: Pick<ContactRecord, 'phone' | 'email' | 'telegramChatId'>) =>
  c.phone !== null ? `p:${c.phone}` : c.email !== null ? `e:${c.email}` : `t:${c.telegramChatId}`;

const rowKey = (f: RowFields) =>
  keyOf({ phone: f.phone ?? null, email: f.email ?? null, telegramChatId: f.telegramChatId ?? null });

const addresses = (c: ContactRecord) => [c.phone, c.email, c.telegramChatId].filter((a): a is string => a !== null);

/** Custom fields stay within the contacts API's 4 KB. */
const CUSTOM_MAX = 4096;

/**
 * Writes one chunk of rows through `tx` (one transaction): each row is matched with the contact
 * of its phone (or email, or chat id) — stored, or made by an earlier row of the chunk — and
 * merged into it, or makes a new one; a contact whose final fields equal its stored ones is not
 * written. Then group memberships, opt-outs of contacts the file unsubscribes (an import never
 * opts anyone back in), `contact.created|updated` events while someone listens, refused rows and
 * the import's counts after the chunk.
 */
export async function writeChunk(
  tx: Repositories,
  rows: readonly ChunkRow[],
  before: ImportCounts,
  ctx: ChunkContext,
): Promise<ImportCounts> {
  const { project, at } = ctx;
  const errors: ImportRowError[] = [];
  const good: Accepted[] = [];
  for (const row of rows) {
    if (isProblem(row.read)) errors.push({ row: row.row, line: row.line, ...row.read });
    else good.push({ row, fields: row.read });
  }
  const phones = [...new Set(good.flatMap(({ fields }) => (fields.phone ? [fields.phone] : [])))];
  const emails = [...new Set(good.flatMap(({ fields }) => (!fields.phone && fields.email ? [fields.email] : [])))];
  const stored = new Map<string, ContactRecord>();
  for (const c of [
    ...(await tx.contacts.byPhones(project.id, phones)),
    ...(await tx.contacts.byEmails(project.id, emails)),
  ]) {
    stored.set(keyOf(c), c);
  }
  const { current, fresh, members, accepted } = mergeRows(good, stored, ctx, errors);
  // A stored contact the chunk's rows left as it was (merged back and forth) is not written.
  for (const [k, c] of stored) if (sameFields(c, current.get(k)!)) current.set(k, c);
  const created = [...fresh].map((k) => current.get(k)!);
  const updated = [...current].filter(([k, c]) => !fresh.has(k) && c !== stored.get(k)).map(([, c]) => c);
  const taken = new Set(await tx.contacts.createMany(created));
  await tx.contacts.updateMany(updated);
  for (const [groupId, ids] of members) {
    await tx.contacts.addMembers(
      { id: groupId, projectId: project.id },
      [...ids].filter((id) => !taken.has(id)),
      at,
    );
  }
  await optOutUnsubscribed(
    tx,
    project.id,
    [...created, ...updated].filter((x) => !taken.has(x.id)),
    stored,
    at,
  );
  for (const { row, fields } of accepted) {
    const c = current.get(rowKey(fields));
    if (c && taken.has(c.id)) {
      errors.push({
        row: row.row,
        line: row.line,
        field: 'phone',
        code: 'already_exists',
        message: 'Another contact took this phone meanwhile: import the file again.',
      });
    }
  }
  await recordEvents(
    tx,
    project.id,
    created.filter((c) => !taken.has(c.id)),
    updated,
    at,
  );
  const counts: ImportCounts = {
    rows: before.rows + rows.length,
    created: before.created + created.length - taken.size,
    updated: before.updated + updated.length,
    unchanged:
      before.unchanged + [...current.keys()].filter((k) => stored.has(k) && current.get(k) === stored.get(k)).length,
    failed: before.failed + errors.length,
  };
  errors.sort((a, b) => a.row - b.row);
  await tx.imports.addErrors(ctx.importId, errors, ctx.maxErrors);
  await tx.imports.progress(ctx.importId, counts, at);
  return counts;
}

type Accepted = { row: ChunkRow; fields: RowFields };

/**
 * The chunk's rows merged, in order, over the stored contacts: `current` holds each key's contact
 * as the rows so far left it, `fresh` the keys of new ones, `members` the contacts each group gains.
 * A row whose merge would pass the custom fields' 4 KB is refused into `errors`.
 */
function mergeRows(
  good: readonly Accepted[],
  stored: ReadonlyMap<string, ContactRecord>,
  ctx: ChunkContext,
  errors: ImportRowError[],
) {
  const { project, at } = ctx;
  const current = new Map(stored);
  const fresh = new Set<string>();
  const members = new Map<string, Set<string>>();
  const accepted: Accepted[] = [];
  for (const { row, fields } of good) {
    const key = rowKey(fields);
    const known = current.get(key);
    const next = known
      ? (mergedContact(known, fields, at) ?? known)
      : newContact(fields, { id: newId('ct'), projectId: project.id, createdAt: at });
    if (utf8Length(JSON.stringify(next.custom)) > CUSTOM_MAX) {
      errors.push({
        row: row.row,
        line: row.line,
        field: 'custom',
        code: 'validation_failed',
        message: 'The custom fields would pass 4 KB as JSON.',
      });
      continue;
    }
    if (!known) fresh.add(key);
    current.set(key, next);
    accepted.push({ row, fields });
    const groups = [...(ctx.groupId ? [ctx.groupId] : []), ...fields.groups.map((g) => ctx.groupIds.get(g)!)];
    for (const g of groups) (members.get(g) ?? members.set(g, new Set()).get(g)!).add(next.id);
  }
  return { current, fresh, members, accepted };
}

/** Opts out the addresses of contacts the file made `unsubscribed` (an import never opts anyone back in). */
async function optOutUnsubscribed(
  tx: Repositories,
  projectId: string,
  written: readonly ContactRecord[],
  stored: ReadonlyMap<string, ContactRecord>,
  at: number,
) {
  for (const c of written) {
    if (c.status !== 'unsubscribed' || stored.get(keyOf(c))?.status === 'unsubscribed') continue;
    for (const address of addresses(c)) {
      await tx.optOuts.add(projectId, address, at, { reason: 'contact unsubscribed', source: 'api' });
    }
  }
}

/** `contact.created` and `contact.updated` for the chunk's contacts, while the project has a listener. */
async function recordEvents(
  tx: Repositories,
  projectId: string,
  created: ContactRecord[],
  updated: ContactRecord[],
  at: number,
) {
  if ((created.length === 0 && updated.length === 0) || !(await tx.webhooks.listening(projectId))) return;
  for (const [type, contacts] of [
    ['contact.created', created],
    ['contact.updated', updated],
  ] as const) {
    for (const view of await contactViews(tx, projectId, contacts)) {
      await tx.webhooks.recordEvent({ projectId, type, at, data: JSON.stringify(view) });
    }
  }
}
