import { z } from 'zod';
import { pageQueryShape } from './page.js';
import { timeZoneSchema } from './projects.js';
import { utf8Length } from './messages.js';

/** A contact's status: `unsubscribed` is tied to the project's opt-outs (either way). */
export const contactStatuses = ['active', 'inactive', 'unsubscribed'] as const;

const text = (max: number) => z.string().trim().min(1).max(max);
/** The longest text a custom field holds. */
export const CUSTOM_TEXT_MAX = 1000;
const customValue = z.union([z.string().max(CUSTOM_TEXT_MAX), z.number().finite(), z.boolean(), z.null()]);

/** Custom fields: a flat JSON object of at most 4 KB (`{{contact.custom.company}}` in templates). */
export const customFieldsSchema = z
  .record(z.string().min(1).max(64), customValue)
  .refine((c) => utf8Length(JSON.stringify(c)) <= 4096, 'at most 4 KB as JSON')
  .describe('Custom fields: a flat JSON object of strings, numbers, booleans or null, at most 4 KB.');

/** A language tag (`fr`, `ar-MA`). */
const languageSchema = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag, like fr or ar-MA')
  .max(35);

/** The fields a contact is created with; one of `phone`, `email`, `telegramChatId` at least. */
const contactFields = {
  name: text(200).nullable(),
  firstName: text(100).nullable(),
  /** A phone number: E.164, or national in the project's default country. Unique in the project. */
  phone: text(32).nullable(),
  email: z.email().max(254).nullable(),
  telegramChatId: z
    .string()
    .regex(/^-?\d{1,20}$|^@[A-Za-z0-9_]{5,32}$/, 'a Telegram chat id (digits) or @channel')
    .nullable(),
  language: languageSchema.nullable(),
  timeZone: timeZoneSchema.nullable(),
  status: z.enum(contactStatuses),
  custom: customFieldsSchema,
};

/** Every field of `contactFields`, optional: a create may leave any out, an update change any. */
const optionalFields = () => ({
  name: contactFields.name.optional(),
  firstName: contactFields.firstName.optional(),
  phone: contactFields.phone.optional(),
  email: contactFields.email.optional(),
  telegramChatId: contactFields.telegramChatId.optional(),
  language: contactFields.language.optional(),
  timeZone: contactFields.timeZone.optional(),
  status: contactFields.status.optional(),
  custom: contactFields.custom.optional(),
});

/** `POST /v1/projects/:projectId/contacts`. */
export const createContactRequestSchema = z
  .strictObject({
    ...optionalFields(),
    /** Groups to put the contact in (their ids). */
    groups: z.array(z.string().min(1).max(64)).max(100).optional(),
  })
  .refine((c) => c.phone != null || c.email != null || c.telegramChatId != null, {
    message: 'give a phone, an email or a telegramChatId',
    path: ['phone'],
  })
  .describe('`POST /v1/projects/:projectId/contacts`: a contact (one of phone, email, telegramChatId at least).');

/** `PATCH /v1/projects/:projectId/contacts/:contactId`: the fields given change (null clears one). */
export const updateContactRequestSchema = z
  .strictObject(optionalFields())
  .describe('`PATCH …/contacts/:contactId`: change some fields of a contact; `null` clears one.');

/** A contact as the API shows it. */
export const contactSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    name: z.string().nullable(),
    firstName: z.string().nullable(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    telegramChatId: z.string().nullable(),
    language: z.string().nullable(),
    timeZone: z.string().nullable(),
    /** `unsubscribed` while its phone or email is among the project's opt-outs. */
    status: z.enum(contactStatuses),
    custom: z.record(z.string(), customValue),
    /** The ids of its groups. */
    groups: z.array(z.string()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('A contact of a project.');

/** `GET /v1/projects/:projectId/contacts`: a page, newest first, filtered. */
export const contactListQuerySchema = z
  .strictObject({
    ...pageQueryShape,
    /** Text in the name, first name, email or phone (ASCII letters in any case). */
    q: z
      .string()
      .min(1)
      .max(100)
      // eslint-disable-next-line no-control-regex -- refusing control characters is the point
      .regex(/^[^\u0000-\u001F\u007F]*$/, 'no control characters')
      .optional(),
    status: z.enum(contactStatuses).optional(),
    /** Only the members of this group (its id). */
    group: z.string().min(1).max(64).optional(),
  })
  .describe('Filters of the contact list.');

/** `POST /v1/projects/:projectId/groups`. */
export const createGroupRequestSchema = z
  .strictObject({ name: text(100), description: z.string().trim().max(500).optional() })
  .describe('`POST /v1/projects/:projectId/groups`: a group of contacts.');

/** `PATCH …/groups/:groupId`. */
export const updateGroupRequestSchema = z
  .strictObject({ name: text(100).optional(), description: z.string().trim().max(500).optional() })
  .describe('`PATCH …/groups/:groupId`: rename a group or change its description.');

/** A group as the API shows it, with how many contacts it holds. */
export const groupSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    name: z.string(),
    description: z.string(),
    contacts: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .describe('A group of contacts.');

/** `POST|DELETE …/groups/:groupId/contacts`: the contacts to add or remove (up to 1,000). */
export const groupMembersRequestSchema = z
  .strictObject({ contactIds: z.array(z.string().min(1).max(64)).min(1).max(1000) })
  .describe('Contacts to add to a group or remove from it (their ids, up to 1,000).');

/** What adding or removing contacts changed, and the group's count after. */
export const groupMembersResponseSchema = z
  .object({ changed: z.number().int(), contacts: z.number().int() })
  .describe('How many contacts were added or removed, and how many the group holds now.');

export type Contact = z.output<typeof contactSchema>;
export type ContactStatus = (typeof contactStatuses)[number];
export type CreateContactRequest = z.input<typeof createContactRequestSchema>;
export type UpdateContactRequest = z.input<typeof updateContactRequestSchema>;
export type Group = z.output<typeof groupSchema>;
