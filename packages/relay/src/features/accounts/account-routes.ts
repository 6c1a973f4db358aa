import {
  accountSchema,
  adminTokenSchema,
  createAdminTokenRequestSchema,
  createAdminTokenResponseSchema,
  createInviteRequestSchema,
  createInviteResponseSchema,
  inviteSchema,
  memberSchema,
  pageQuerySchema,
  pageSchema,
  updateAccountRequestSchema,
  updateMemberRequestSchema,
  type Permission,
} from '@messagejs/shared-types';
import type { z } from 'zod';
import { jsonBody } from '../../http/platform/json-body.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route, RouteDoc } from '../../http/platform/route.js';
import type { AccountsDeps } from './deps.js';
import { getAccount, listMyAccounts, updateAccount } from './me.js';
import { getMember, listMembers, removeMember, setMemberStatus, updateMember } from './members.js';
import { createInvite, listInvites, revokeInvite } from './invites.js';
import { createAdminToken, getAdminToken, listAdminTokens, revokeAdminToken } from './admin-tokens.js';
import { adminTokenView, inviteView, memberView } from './views.js';

const MEMBER = '/v1/accounts/:accountId/members/:memberId';

/** An admin route's doc. */
const doc = (
  tag: string,
  summary: string,
  responses: RouteDoc['responses'],
  more: { permission?: Permission; body?: z.ZodType; query?: z.ZodType } = {},
): RouteDoc => ({ summary, tag, auth: 'admin', responses, ...more });
const members = { permission: 'manage_members' } as const;

/** Accounts, members and invites, behind the admin access step. */
export function accountRoutes(deps: AccountsDeps): Route[] {
  const body = [jsonBody({ limit: '16kb' })];
  return [
    {
      method: 'GET',
      path: '/v1/accounts',
      doc: doc('Accounts', 'List the accounts the user is a member of', { 200: pageSchema(accountSchema) }),
      handle: async (request) => ({
        body: { data: await listMyAccounts(deps, request.adminPrincipal()), nextCursor: null },
      }),
    },
    {
      method: 'GET',
      path: '/v1/accounts/:accountId',
      doc: doc('Accounts', 'Get an account', { 200: accountSchema }),
      handle: async (request) => ({
        body: await getAccount(deps, request.adminPrincipal(), request.params.accountId!),
      }),
    },
    {
      method: 'PATCH',
      path: '/v1/accounts/:accountId',
      use: body,
      doc: doc(
        'Accounts',
        'Rename an account',
        { 200: accountSchema },
        {
          permission: 'manage_settings',
          body: updateAccountRequestSchema,
        },
      ),
      handle: async (request) => ({
        body: await updateAccount(
          deps,
          request.adminPrincipal(),
          request.params.accountId!,
          request.body,
          request.actor(),
        ),
      }),
    },
    ...memberRoutes(deps),
  ];
}

/** Members of an account (list, read, change, suspend, activate, remove) and its invites. */
function memberRoutes(deps: AccountsDeps): Route[] {
  const body = [jsonBody({ limit: '16kb' })];
  const ids = (params: Record<string, string>) => ({ accountId: params.accountId!, memberId: params.memberId! });
  return [
    {
      method: 'GET',
      path: '/v1/accounts/:accountId/members',
      doc: doc(
        'Members',
        'List an account’s members',
        { 200: pageSchema(memberSchema) },
        {
          ...members,
          query: pageQuerySchema,
        },
      ),
      async handle(request) {
        const page = pageRequest(request.query());
        const found = await listMembers(deps, request.adminPrincipal(), request.params.accountId!, page);
        return { body: pageReply(found, memberView) };
      },
    },
    {
      method: 'GET',
      path: MEMBER,
      doc: doc('Members', 'Get a member', { 200: memberSchema }, members),
      async handle(request) {
        const { accountId, memberId } = ids(request.params);
        return { body: memberView(await getMember(deps, request.adminPrincipal(), accountId, memberId)) };
      },
    },
    {
      method: 'PATCH',
      path: MEMBER,
      use: body,
      doc: doc(
        'Members',
        'Change a member’s role, permissions or projects',
        { 200: memberSchema },
        {
          ...members,
          body: updateMemberRequestSchema,
        },
      ),
      handle: async (request) => ({
        body: await updateMember(deps, request.adminPrincipal(), ids(request.params), request.body, request.actor()),
      }),
    },
    {
      method: 'DELETE',
      path: MEMBER,
      doc: doc('Members', 'Remove a member from the account', { 204: null }, members),
      async handle(request) {
        await removeMember(deps, request.adminPrincipal(), ids(request.params), request.actor());
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: `${MEMBER}/suspend`,
      doc: doc('Members', 'Suspend a member: their sessions end at once', { 200: memberSchema }, members),
      handle: async (request) => ({
        body: await setMemberStatus(deps, request.adminPrincipal(), ids(request.params), 'suspended', request.actor()),
      }),
    },
    {
      method: 'POST',
      path: `${MEMBER}/activate`,
      doc: doc('Members', 'Activate a suspended member', { 200: memberSchema }, members),
      handle: async (request) => ({
        body: await setMemberStatus(deps, request.adminPrincipal(), ids(request.params), 'active', request.actor()),
      }),
    },
    ...inviteRoutes(deps),
  ];
}

function inviteRoutes(deps: AccountsDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/accounts/:accountId/invites',
      use: [jsonBody({ limit: '16kb' })],
      doc: doc(
        'Invites',
        'Invite someone by email (the link is answered once)',
        { 201: createInviteResponseSchema },
        {
          ...members,
          body: createInviteRequestSchema,
        },
      ),
      handle: async (request) => ({
        status: 201,
        body: await createInvite(
          deps,
          request.adminPrincipal(),
          request.params.accountId!,
          request.body,
          request.actor(),
        ),
        headers: { 'Cache-Control': 'no-store' },
      }),
    },
    {
      method: 'GET',
      path: '/v1/accounts/:accountId/invites',
      doc: doc(
        'Invites',
        'List an account’s invites',
        { 200: pageSchema(inviteSchema) },
        {
          ...members,
          query: pageQuerySchema,
        },
      ),
      async handle(request) {
        const page = pageRequest(request.query());
        const found = await listInvites(deps, request.adminPrincipal(), request.params.accountId!, page);
        const now = deps.now();
        return { body: pageReply(found, (i) => inviteView(i, now)) };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/accounts/:accountId/invites/:inviteId',
      doc: doc('Invites', 'Withdraw an invite', { 204: null }, members),
      async handle(request) {
        const { accountId, inviteId } = request.params as { accountId: string; inviteId: string };
        await revokeInvite(deps, request.adminPrincipal(), { accountId, inviteId }, request.actor());
        return { status: 204 };
      },
    },
  ];
}

/** Admin tokens, behind the admin access step. */
export function adminTokenRoutes(deps: AccountsDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/admin-tokens',
      use: [jsonBody({ limit: '16kb' })],
      doc: doc(
        'Admin tokens',
        'Create an admin token (`mat_…`, answered once)',
        { 201: createAdminTokenResponseSchema },
        {
          body: createAdminTokenRequestSchema,
        },
      ),
      handle: async (request) => ({
        status: 201,
        body: await createAdminToken(deps, request.adminPrincipal(), request.body, request.actor()),
        headers: { 'Cache-Control': 'no-store' },
      }),
    },
    {
      method: 'GET',
      path: '/v1/admin-tokens',
      doc: doc(
        'Admin tokens',
        'List admin tokens (one’s own; every one with manage_members)',
        {
          200: pageSchema(adminTokenSchema),
        },
        { query: pageQuerySchema },
      ),
      async handle(request) {
        const page = pageRequest(request.query());
        const found = await listAdminTokens(deps, request.adminPrincipal(), page);
        const now = deps.now();
        return { body: pageReply(found, (t) => adminTokenView(t, now)) };
      },
    },
    {
      method: 'GET',
      path: '/v1/admin-tokens/:tokenId',
      doc: doc('Admin tokens', 'Get an admin token', { 200: adminTokenSchema }),
      handle: async (request) => ({
        body: await getAdminToken(deps, request.adminPrincipal(), request.params.tokenId!),
      }),
    },
    {
      method: 'DELETE',
      path: '/v1/admin-tokens/:tokenId',
      doc: doc('Admin tokens', 'Revoke an admin token', { 200: adminTokenSchema }),
      handle: async (request) => ({
        body: await revokeAdminToken(deps, request.adminPrincipal(), request.params.tokenId!, request.actor()),
      }),
    },
  ];
}
