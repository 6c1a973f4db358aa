import {
  contactListQuerySchema,
  createContactRequestSchema,
  updateContactRequestSchema,
  type Contact,
} from '@messagejs/shared-types';
import type { z } from 'zod';
import type { ContactRecord, Page, PageRequest, Project, Repositories, Store } from '../../store/types.js';
import { AppError } from '../../domain/app-error.js';
import { toValidationError } from '../../domain/validation.js';
import { newId } from '../../crypto/tokens.js';
import { systemActor, type Actor } from '../../domain/actor.js';
import { maskAddress } from '../../domain/mask.js';
import { recordChange } from '../audit/record-change.js';
import { projectFor } from '../projects/require-project.js';
import { normaliseAddress } from '../recipients/opt-outs.js';

/**
 * A project's contacts (issue 16): name, first name, phone (E.164, unique in the project), email,
 * Telegram chat id, language, time zone, status and custom fields, and their groups. Shared by the
 * admin API (and the CSV import to come). Reading needs `view_history`, changing `manage_contacts`;
 * every change is audited and raises `contact.created|updated|deleted` in its transaction.
 *
 * `unsubscribed` is the project's opt-outs seen from the contact: a contact set unsubscribed
 * opts its addresses out, set active or inactive again opts them back in, and a contact whose
 * phone opted out otherwise (a STOP, the API) reads `unsubscribed`.
 */

const iso = (ms: number) => new Date(ms).toISOString();

/** The addresses a contact can be reached (and opted out) at. */
const addressesOf = (c: Pick<ContactRecord, 'phone' | 'email' | 'telegramChatId'>) =>
  [c.phone, c.email, c.telegramChatId].filter((a): a is string => a !== null);

/** A contact as the API shows it. */
export function contactView(c: ContactRecord, groups: string[], optedOut: ReadonlySet<string>): Contact {
  const unsubscribed = addressesOf(c).some((a) => optedOut.has(a));
  return {
    id: c.id,
    projectId: c.projectId,
    name: c.name,
    firstName: c.firstName,
    phone: c.phone,
    email: c.email,
    telegramChatId: c.telegramChatId,
    language: c.language,
    timeZone: c.timeZone,
    status: unsubscribed ? 'unsubscribed' : c.status === 'unsubscribed' ? 'active' : c.status,
    custom: c.custom,
    groups,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

/** The views of `contacts`, their groups and opt-outs read in one query each. */
export async function contactViews(
  store: Pick<Store, 'contacts' | 'optOuts'>,
  projectId: string,
  contacts: ContactRecord[],
) {
  const groups = await store.contacts.groupsOf(contacts.map((c) => c.id));
  const optedOut = await store.optOuts.among(projectId, contacts.flatMap(addressesOf));
  return contacts.map((c) => contactView(c, groups.get(c.id) ?? [], optedOut));
}

type Fields = Partial<z.output<typeof updateContactRequestSchema>>;

/** The fields as stored: a phone in E.164 (the project's default country for a national one), an email's domain in lower case. */
function normalised(fields: Fields, project: Project): Fields {
  return {
    ...fields,
    ...(fields.phone != null && { phone: normaliseAddress(fields.phone, 'sms', project, 'phone') }),
    ...(fields.email != null && { email: normaliseAddress(fields.email, 'email', project, 'email') }),
  };
}

const phoneTaken = () =>
  new AppError('already_exists', 'Another contact of this project has this phone number.', { field: 'phone' });

/**
 * What a status the caller set does to the opt-outs: `unsubscribed` opts the contact's addresses
 * out; `active` or `inactive` given to a contact that read `unsubscribed` opts them back in.
 */
async function syncOptOuts(
  tx: Repositories,
  contact: ContactRecord,
  asked: ContactRecord['status'] | undefined,
  wasUnsubscribed: boolean,
  now: number,
) {
  if (asked === 'unsubscribed') {
    for (const address of addressesOf(contact)) {
      await tx.optOuts.add(contact.projectId, address, now, { reason: 'contact unsubscribed', source: 'api' });
    }
  } else if (asked !== undefined && wasUnsubscribed) {
    for (const address of addressesOf(contact)) await tx.optOuts.remove(contact.projectId, address);
  }
}

/** The event each kind of change raises. */
const EVENT_TYPES = { create: 'contact.created', update: 'contact.updated', delete: 'contact.deleted' } as const;

/** Records the change's event and audit entry in `tx`. */
async function recorded(
  tx: Repositories,
  actor: Actor,
  project: Project,
  change: { action: 'create' | 'update' | 'delete'; id: string; before?: Contact; after?: Contact; at: number },
) {
  const type = EVENT_TYPES[change.action];
  const view = change.after ?? change.before!;
  if (await tx.webhooks.listening(project.id)) {
    await tx.webhooks.recordEvent({ projectId: project.id, type, at: change.at, data: JSON.stringify(view) });
  }
  await recordChange(tx, actor, {
    projectId: project.id,
    accountId: project.accountId,
    action: `contact.${change.action}`,
    resource: { type: 'contact', id: change.id },
    ...(change.before && { before: masked(change.before) }),
    ...(change.after && { after: masked(change.after) }),
    at: change.at,
  });
}

/** The audit log keeps a contact's addresses masked. */
const masked = (c: Contact) => ({
  ...c,
  phone: c.phone && maskAddress(c.phone),
  email: c.email && maskAddress(c.email),
});

/** `POST …/contacts`: 201 with the contact; `409 already_exists` (`phone`) when another has its phone. */
export async function createContact(
  store: Store,
  projectId: string,
  body: unknown,
  now: number,
  actor: Actor = systemActor,
): Promise<Contact> {
  const project = await projectFor(store, projectId, 'manage_contacts', actor.principal);
  const parsed = createContactRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { groups = [], ...fields } = parsed.data;
  const f = normalised(fields, project);
  const record: ContactRecord = {
    id: newId('ct'),
    projectId: project.id,
    name: f.name ?? null,
    firstName: f.firstName ?? null,
    phone: f.phone ?? null,
    email: f.email ?? null,
    telegramChatId: f.telegramChatId ?? null,
    language: f.language ?? null,
    timeZone: f.timeZone ?? null,
    status: f.status ?? 'active',
    custom: f.custom ?? {},
    createdAt: now,
    updatedAt: now,
  };
  for (const groupId of groups) {
    if (!(await store.contacts.getGroup(project.id, groupId))) {
      throw new AppError('not_found', `No group ${groupId.slice(0, 64)} in this project.`, { field: 'groups' });
    }
  }
  return store.transaction(async (tx) => {
    if ((await tx.contacts.create(record)) === 'phone_taken') throw phoneTaken();
    for (const groupId of groups)
      await tx.contacts.addMembers({ id: groupId, projectId: project.id }, [record.id], now);
    await syncOptOuts(tx, record, fields.status, false, now);
    const [view] = await contactViews(tx, project.id, [record]);
    await recorded(tx, actor, project, { action: 'create', id: record.id, after: view!, at: now });
    return view!;
  });
}

/** The contact, or `404 not_found`. */
async function existing(store: Pick<Store, 'contacts'>, project: Project, id: string): Promise<ContactRecord> {
  const found = await store.contacts.get(project.id, id);
  if (!found) throw new AppError('not_found', 'No such contact in this project.', { field: 'contactId' });
  return found;
}

/** `GET …/contacts/:contactId`. */
export async function getContact(
  store: Store,
  ids: { projectId: string; contactId: string },
  actor: Actor = systemActor,
) {
  const project = await projectFor(store, ids.projectId, 'view_history', actor.principal);
  const [view] = await contactViews(store, project.id, [await existing(store, project, ids.contactId)]);
  return view!;
}

/** `GET …/contacts`: newest first, filtered by text, status or group. */
export async function listContacts(
  store: Store,
  projectId: string,
  query: unknown,
  page: PageRequest,
  actor: Actor = systemActor,
): Promise<Page<Contact>> {
  const project = await projectFor(store, projectId, 'view_history', actor.principal);
  const parsed = contactListQuerySchema.safeParse(query);
  if (!parsed.success) throw toValidationError(parsed.error);
  const { q, status, group } = parsed.data;
  // `unsubscribed` is the opt-outs' word: a status filter reads the stored status, then the views decide.
  const found = await store.contacts.page(
    project.id,
    { ...(q !== undefined && { q }), ...(group !== undefined && { groupId: group }) },
    page,
  );
  const views = await contactViews(store, project.id, found.items);
  return { items: status ? views.filter((v) => v.status === status) : views, next: found.next };
}

/** `PATCH …/contacts/:contactId`: the fields given change. */
export async function updateContact(
  store: Store,
  ids: { projectId: string; contactId: string },
  body: unknown,
  now: number,
  actor: Actor = systemActor,
): Promise<Contact> {
  const project = await projectFor(store, ids.projectId, 'manage_contacts', actor.principal);
  const parsed = updateContactRequestSchema.safeParse(body);
  if (!parsed.success) throw toValidationError(parsed.error);
  const before = await existing(store, project, ids.contactId);
  const f = normalised(parsed.data, project);
  const after: ContactRecord = {
    ...before,
    ...(Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as Partial<ContactRecord>),
    updatedAt: now,
  };
  if (after.phone === null && after.email === null && after.telegramChatId === null) {
    throw new AppError('validation_failed', 'A contact keeps a phone, an email or a telegramChatId.', {
      field: 'phone',
    });
  }
  return store.transaction(async (tx) => {
    const [beforeView] = await contactViews(tx, project.id, [before]);
    if ((await tx.contacts.update(after)) === 'phone_taken') throw phoneTaken();
    await syncOptOuts(tx, after, f.status, beforeView!.status === 'unsubscribed', now);
    const [view] = await contactViews(tx, project.id, [after]);
    await recorded(tx, actor, project, { action: 'update', id: after.id, before: beforeView!, after: view!, at: now });
    return view!;
  });
}

/** `DELETE …/contacts/:contactId`: the contact leaves its groups; its opt-outs stay. */
export async function deleteContact(
  store: Store,
  ids: { projectId: string; contactId: string },
  now: number,
  actor: Actor = systemActor,
): Promise<void> {
  const project = await projectFor(store, ids.projectId, 'manage_contacts', actor.principal);
  const before = await existing(store, project, ids.contactId);
  await store.transaction(async (tx) => {
    const [view] = await contactViews(tx, project.id, [before]);
    await tx.contacts.remove(project.id, before.id);
    await recorded(tx, actor, project, { action: 'delete', id: before.id, before: view!, at: now });
  });
}
