import {
  contactListQuerySchema,
  contactSchema,
  createContactRequestSchema,
  createGroupRequestSchema,
  groupMembersRequestSchema,
  groupMembersResponseSchema,
  groupSchema,
  pageQuerySchema,
  pageSchema,
  updateContactRequestSchema,
  updateGroupRequestSchema,
} from '@messagejs/shared-types';
import type { ZodType } from 'zod';
import type { Permission } from '@messagejs/shared-types';
import { jsonBody } from '../../http/platform/json-body.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route, RouteDoc, RouteRequest } from '../../http/platform/route.js';
import type { ProjectAdminDeps } from '../projects/route-deps.js';
import { createContact, deleteContact, getContact, listContacts, updateContact } from './contacts.js';
import { changeMembers, createGroup, deleteGroup, getGroup, listGroups, updateGroup } from './groups.js';

const CONTACTS = '/v1/projects/:projectId/contacts';
const GROUPS = '/v1/projects/:projectId/groups';
const body = [jsonBody({ limit: '16kb' })];

const doc = (
  summary: string,
  tag: string,
  permission: Permission,
  responses: RouteDoc['responses'],
  extra: { body?: ZodType; query?: ZodType } = {},
): RouteDoc => ({ summary, tag, auth: 'admin', permission, responses, ...extra });

const contactIds = (r: RouteRequest) => ({ projectId: r.params.projectId!, contactId: r.params.contactId! });
const groupIds = (r: RouteRequest) => ({ projectId: r.params.projectId!, groupId: r.params.groupId! });
const identity = <T>(x: T) => x;

/** A project's contacts (issue 16): read with `view_history`, changed with `manage_contacts`. */
function contactRoutes({ store, now }: Pick<ProjectAdminDeps, 'store' | 'now'>): Route[] {
  const tag = 'Contacts';
  return [
    {
      method: 'GET',
      path: CONTACTS,
      doc: doc(
        'List contacts, newest first: text search, status, group',
        tag,
        'view_history',
        { 200: pageSchema(contactSchema) },
        { query: contactListQuerySchema },
      ),
      async handle(request) {
        const query = request.query();
        const found = await listContacts(store, request.params.projectId!, query, pageRequest(query), request.actor());
        return { body: pageReply(found, identity) };
      },
    },
    {
      method: 'POST',
      path: CONTACTS,
      use: body,
      doc: doc(
        'Add a contact (409 when another has its phone)',
        tag,
        'manage_contacts',
        { 201: contactSchema },
        { body: createContactRequestSchema },
      ),
      handle: async (request) => ({
        status: 201,
        body: await createContact(store, request.params.projectId!, request.body, now(), request.actor()),
      }),
    },
    {
      method: 'GET',
      path: `${CONTACTS}/:contactId`,
      doc: doc('Get a contact', tag, 'view_history', { 200: contactSchema }),
      handle: async (request) => ({ body: await getContact(store, contactIds(request), request.actor()) }),
    },
    {
      method: 'PATCH',
      path: `${CONTACTS}/:contactId`,
      use: body,
      doc: doc(
        'Change some fields of a contact (null clears one)',
        tag,
        'manage_contacts',
        { 200: contactSchema },
        { body: updateContactRequestSchema },
      ),
      handle: async (request) => ({
        body: await updateContact(store, contactIds(request), request.body, now(), request.actor()),
      }),
    },
    {
      method: 'DELETE',
      path: `${CONTACTS}/:contactId`,
      doc: doc('Delete a contact (its opt-outs stay)', tag, 'manage_contacts', { 204: null }),
      async handle(request) {
        await deleteContact(store, contactIds(request), now(), request.actor());
        return { status: 204 };
      },
    },
  ];
}

/** `POST|DELETE …/groups/:groupId/contacts`. */
const GROUP_TAG = 'Groups';

const members = ({ store, now }: Pick<ProjectAdminDeps, 'store' | 'now'>, op: 'add' | 'remove'): Route => ({
  method: op === 'add' ? 'POST' : 'DELETE',
  path: `${GROUPS}/:groupId/contacts`,
  use: body,
  doc: doc(
    op === 'add' ? 'Add contacts to a group' : 'Remove contacts from a group',
    GROUP_TAG,
    'manage_contacts',
    { 200: groupMembersResponseSchema },
    { body: groupMembersRequestSchema },
  ),
  handle: async (request) => ({
    body: await changeMembers(store, groupIds(request), op, request.body, now(), request.actor()),
  }),
});

/** A project's groups of contacts. */
function groupRoutes({ store, now }: Pick<ProjectAdminDeps, 'store' | 'now'>): Route[] {
  return [
    {
      method: 'GET',
      path: GROUPS,
      doc: doc(
        'List groups with their counts, newest first',
        GROUP_TAG,
        'view_history',
        { 200: pageSchema(groupSchema) },
        { query: pageQuerySchema },
      ),
      async handle(request) {
        const found = await listGroups(store, request.params.projectId!, pageRequest(request.query()), request.actor());
        return { body: pageReply(found, identity) };
      },
    },
    {
      method: 'POST',
      path: GROUPS,
      use: body,
      doc: doc(
        'Create a group (409 when the name is taken)',
        GROUP_TAG,
        'manage_contacts',
        { 201: groupSchema },
        { body: createGroupRequestSchema },
      ),
      handle: async (request) => ({
        status: 201,
        body: await createGroup(store, request.params.projectId!, request.body, now(), request.actor()),
      }),
    },
    {
      method: 'GET',
      path: `${GROUPS}/:groupId`,
      doc: doc('Get a group and its count', GROUP_TAG, 'view_history', { 200: groupSchema }),
      handle: async (request) => ({ body: await getGroup(store, groupIds(request), request.actor()) }),
    },
    {
      method: 'PATCH',
      path: `${GROUPS}/:groupId`,
      use: body,
      doc: doc(
        'Rename a group or change its description',
        GROUP_TAG,
        'manage_contacts',
        { 200: groupSchema },
        { body: updateGroupRequestSchema },
      ),
      handle: async (request) => ({
        body: await updateGroup(store, groupIds(request), request.body, now(), request.actor()),
      }),
    },
    {
      method: 'DELETE',
      path: `${GROUPS}/:groupId`,
      doc: doc('Delete a group (its contacts stay)', GROUP_TAG, 'manage_contacts', { 204: null }),
      async handle(request) {
        await deleteGroup(store, groupIds(request), now(), request.actor());
        return { status: 204 };
      },
    },
    members({ store, now }, 'add'),
    members({ store, now }, 'remove'),
  ];
}

/** Contacts and groups, mounted with the projects' admin routes. */
export function contactsAdminRoutes(deps: Pick<ProjectAdminDeps, 'store' | 'now'>): Route[] {
  return [...contactRoutes(deps), ...groupRoutes(deps)];
}
