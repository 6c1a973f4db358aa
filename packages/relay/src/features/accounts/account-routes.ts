import { jsonBody } from '../../http/platform/json-body.js';
import { pageReply, pageRequest } from '../../http/platform/pagination.js';
import type { Route } from '../../http/platform/route.js';
import type { AccountsDeps } from './deps.js';
import { getAccount, listMyAccounts, updateAccount } from './me.js';
import { getMember, listMembers, removeMember, setMemberStatus, updateMember } from './members.js';
import { createInvite, listInvites, revokeInvite } from './invites.js';
import { createAdminToken, getAdminToken, listAdminTokens, revokeAdminToken } from './admin-tokens.js';
import { adminTokenView, inviteView, memberView } from './views.js';

const MEMBER = '/v1/accounts/:accountId/members/:memberId';

/** Accounts, members and invites, behind the admin access step. */
export function accountRoutes(deps: AccountsDeps): Route[] {
  const body = [jsonBody({ limit: '16kb' })];
  return [
    {
      method: 'GET',
      path: '/v1/accounts',
      handle: async (request) => ({
        body: { data: await listMyAccounts(deps, request.adminPrincipal()), nextCursor: null },
      }),
    },
    {
      method: 'GET',
      path: '/v1/accounts/:accountId',
      handle: async (request) => ({
        body: await getAccount(deps, request.adminPrincipal(), request.params.accountId!),
      }),
    },
    {
      method: 'PATCH',
      path: '/v1/accounts/:accountId',
      use: body,
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
      async handle(request) {
        const page = pageRequest(request.query());
        const found = await listMembers(deps, request.adminPrincipal(), request.params.accountId!, page);
        return { body: pageReply(found, memberView) };
      },
    },
    {
      method: 'GET',
      path: MEMBER,
      async handle(request) {
        const { accountId, memberId } = ids(request.params);
        return { body: memberView(await getMember(deps, request.adminPrincipal(), accountId, memberId)) };
      },
    },
    {
      method: 'PATCH',
      path: MEMBER,
      use: body,
      handle: async (request) => ({
        body: await updateMember(deps, request.adminPrincipal(), ids(request.params), request.body, request.actor()),
      }),
    },
    {
      method: 'DELETE',
      path: MEMBER,
      async handle(request) {
        await removeMember(deps, request.adminPrincipal(), ids(request.params), request.actor());
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: `${MEMBER}/suspend`,
      handle: async (request) => ({
        body: await setMemberStatus(deps, request.adminPrincipal(), ids(request.params), 'suspended', request.actor()),
      }),
    },
    {
      method: 'POST',
      path: `${MEMBER}/activate`,
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
      handle: async (request) => ({
        status: 201,
        body: await createAdminToken(deps, request.adminPrincipal(), request.body, request.actor()),
        headers: { 'Cache-Control': 'no-store' },
      }),
    },
    {
      method: 'GET',
      path: '/v1/admin-tokens',
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
      handle: async (request) => ({
        body: await getAdminToken(deps, request.adminPrincipal(), request.params.tokenId!),
      }),
    },
    {
      method: 'DELETE',
      path: '/v1/admin-tokens/:tokenId',
      handle: async (request) => ({
        body: await revokeAdminToken(deps, request.adminPrincipal(), request.params.tokenId!, request.actor()),
      }),
    },
  ];
}
