import { contactExportQuerySchema, type Contact } from '@messagejs/shared-types';
import type { PagePosition, Store } from '../../store/types.js';
import { toValidationError } from '../../domain/validation.js';
import { csvCell } from '../../domain/csv-cell.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { projectFor } from '../projects/require-project.js';
import { streamPages } from '../messages/export.js';
import { contactViews } from './contacts.js';
import { projectGroups } from './groups.js';

/** Contacts read per statement. */
const PAGE_ROWS = 500;

/** The export's columns before the custom fields: the headers an import maps back to the same fields. */
const COLUMNS = [
  'id',
  'name',
  'firstName',
  'phone',
  'email',
  'telegramChatId',
  'language',
  'timeZone',
  'status',
  'groups',
  'createdAt',
  'updatedAt',
] as const;

/** What an export writes through, a chunk at a time (false: the client left). */
type Out = { write(chunk: string): Promise<boolean> };

/**
 * `GET /v1/projects/:projectId/contacts/export` (`view_history`): the contacts the list's filters
 * match, newest first, as CSV — the fields, the groups by name (`;` between them), one
 * `custom.<key>` column per custom field any contact has. Importing the file again changes nothing
 * (the columns map back by name; cells a spreadsheet would run as a formula are escaped with `'`,
 * which the import undoes). Streamed a page at a time: memory stays flat for any size.
 */
export async function exportContacts(
  store: Store,
  projectId: string,
  query: unknown,
  now: number,
  actor: Actor = systemActor,
) {
  const project = await projectFor(store, projectId, 'view_history', actor.principal);
  const parsed = contactExportQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { q, status, group } = parsed.data;
  const keys = await store.contacts.customKeys(project.id);
  const groupNames = new Map((await projectGroups(store, project.id)).map((g) => [g.id, g.name]));
  const line = (c: Contact) =>
    `${[
      csvCell(c.id),
      csvCell(c.name),
      csvCell(c.firstName),
      c.phone ?? '',
      csvCell(c.email),
      csvCell(c.telegramChatId),
      csvCell(c.language),
      csvCell(c.timeZone),
      c.status,
      csvCell(c.groups.map((id) => groupNames.get(id) ?? id).join(';')),
      c.createdAt,
      c.updatedAt,
      ...keys.map((k) => csvCell(c.custom[k])),
    ].join(',')}\n`;
  const header = `${[...COLUMNS, ...keys.map((k) => csvCell(`custom.${k}`))].join(',')}\n`;
  const filter = { ...(q !== undefined && { q }), ...(group !== undefined && { groupId: group }) };
  return {
    filename: `contacts-${project.id}-${new Date(now).toISOString().slice(0, 10)}.csv`,
    async stream(out: Out) {
      await streamPages(
        out,
        header,
        async (position?: PagePosition) => {
          const page = await store.contacts.page(project.id, filter, {
            limit: PAGE_ROWS,
            ...(position && { after: position }),
          });
          const views = await contactViews(store, project.id, page.items);
          return { items: status ? views.filter((v) => v.status === status) : views, next: page.next };
        },
        line,
      );
    },
  };
}
