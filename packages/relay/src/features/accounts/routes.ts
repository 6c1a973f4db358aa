import { z } from 'zod';
import {
  acceptInviteRequestSchema,
  changePasswordRequestSchema,
  headers,
  loginRequestSchema,
  meResponseSchema,
  refreshRequestSchema,
  registerRequestSchema,
  setupRequestSchema,
  tokenResponseSchema,
} from '@messagejs/shared-types';
import { jsonBody } from '../../http/platform/json-body.js';
import { COOKIES, clearedCookies, readCookie, sessionCookies } from '../../http/platform/cookies.js';
import type { Handler } from '../../http/platform/handler.js';
import type { Reply, Route, RouteDoc, RouteRequest } from '../../http/platform/route.js';
import { AppError } from '../../domain/app-error.js';
import type { AccountsDeps } from './deps.js';
import { login } from './login.js';
import { describeMe, changePassword } from './me.js';
import { acceptInvite } from './invites.js';
import { INVITE_HTML, INVITE_JS, SETUP_HTML, SETUP_JS } from './pages.js';
import { endSession, refreshSession, type SessionTokens } from './sessions.js';
import { register, setUpFirstOwner } from './setup.js';

const NO_STORE = { 'Cache-Control': 'no-store' } as const;

/** Where a request comes from, for its session and the audit log. */
export function clientOf(request: RouteRequest) {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip(), userAgent: userAgent ?? null, requestId: request.locals.requestId };
}

/** A session's tokens in the body (API clients) and in cookies (browsers). */
function sessionReply(tokens: SessionTokens, status = 200): Reply {
  const { refreshMaxAge, ...body } = tokens;
  return {
    status,
    body,
    headers: { ...NO_STORE, 'Set-Cookie': sessionCookies({ ...tokens, refreshMaxAge }) },
  };
}

const staticPage = (path: string, text: string, contentType: string): Route => ({
  method: 'GET',
  path,
  doc: { summary: `The ${path} page`, tag: 'Auth', auth: 'public', contentType, responses: { 200: z.string() } },
  handle: () => ({ text, contentType, headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } }),
});

/** A public sign-in route's doc: its body, and the session's tokens in the answer. */
const authDoc = (summary: string, body: z.ZodType, status: number): RouteDoc => ({
  summary,
  tag: 'Auth',
  auth: 'public',
  body,
  responses: { [status]: tokenResponseSchema },
});

/**
 * The routes that sign people in, mounted without the admin access step: the `/setup` and
 * `/invite` pages, set-up, sign-up, sign-in, refresh and invite acceptance. `sameOrigin` refuses
 * posts from other sites (login CSRF).
 */
export function authRoutes(deps: AccountsDeps, options: { sameOrigin: Handler }): Route[] {
  const body = [options.sameOrigin, jsonBody({ limit: '8kb' })];
  return [
    staticPage('/setup', SETUP_HTML, 'text/html; charset=utf-8'),
    staticPage('/setup.js', SETUP_JS, 'text/javascript; charset=utf-8'),
    staticPage('/invite', INVITE_HTML, 'text/html; charset=utf-8'),
    staticPage('/invite.js', INVITE_JS, 'text/javascript; charset=utf-8'),
    {
      method: 'POST',
      path: '/v1/auth/setup',
      use: body,
      doc: authDoc('Create the first owner with the setup link’s token', setupRequestSchema, 201),
      handle: async (request) => sessionReply(await setUpFirstOwner(deps, request.body, clientOf(request)), 201),
    },
    {
      method: 'POST',
      path: '/v1/auth/register',
      use: body,
      doc: authDoc('Sign up: a new account and its owner (MESSAGEJS_SIGNUP=open)', registerRequestSchema, 201),
      handle: async (request) => sessionReply(await register(deps, request.body, clientOf(request)), 201),
    },
    {
      method: 'POST',
      path: '/v1/auth/login',
      use: body,
      doc: authDoc('Sign in with an email and a password', loginRequestSchema, 200),
      handle: async (request) => sessionReply(await login(deps, request.body, clientOf(request))),
    },
    {
      method: 'POST',
      path: '/v1/invites/accept',
      use: body,
      doc: authDoc('Join an account with an invite link', acceptInviteRequestSchema, 201),
      handle: async (request) => sessionReply(await acceptInvite(deps, request.body, clientOf(request)), 201),
    },
    {
      method: 'POST',
      path: '/v1/auth/refresh',
      use: body,
      doc: authDoc('Trade a refresh token (body or cookie) for a new session pair', refreshRequestSchema, 200),
      async handle(request) {
        const given = (request.body as { refreshToken?: unknown } | null)?.refreshToken;
        if (given !== undefined && typeof given !== 'string') {
          throw new AppError('validation_failed', '`refreshToken` must be a string.', { field: 'refreshToken' });
        }
        const extra = Object.keys(request.body ?? {}).find((k) => k !== 'refreshToken');
        if (extra) throw new AppError('validation_failed', `\`${extra}\`: unknown field.`, { field: extra });
        const cookie = given === undefined ? readCookie(request.raw, COOKIES.refresh) : undefined;
        const token = given ?? cookie;
        if (!token) {
          throw new AppError('unauthorized', 'Pass `{ refreshToken }`, or the browser’s refresh cookie.', {
            field: 'refreshToken',
          });
        }
        const csrf = request.headers[headers.csrfToken.toLowerCase()];
        const viaCookie = cookie ? { csrfToken: typeof csrf === 'string' ? csrf : undefined } : null;
        return sessionReply(await refreshSession(deps, token, viaCookie));
      },
    },
  ];
}

/** The signed-in person's own routes, behind the admin access step: `me`, password, logout. */
export function selfRoutes(deps: AccountsDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/auth/me',
      doc: {
        summary: 'Who is signed in, and what they may do',
        tag: 'Auth',
        auth: 'admin',
        responses: { 200: meResponseSchema },
      },
      handle: async (request) => ({ body: await describeMe(deps, request.adminPrincipal()), headers: NO_STORE }),
    },
    {
      method: 'POST',
      path: '/v1/auth/password',
      use: [jsonBody({ limit: '8kb' })],
      doc: {
        summary: 'Change one’s password; every other session ends',
        tag: 'Auth',
        auth: 'admin',
        body: changePasswordRequestSchema,
        responses: { 204: null },
      },
      async handle(request) {
        await changePassword(deps, request.adminPrincipal(), request.body, request.actor());
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: '/v1/auth/logout',
      doc: { summary: 'End this session', tag: 'Auth', auth: 'admin', responses: { 204: null } },
      async handle(request) {
        const principal = request.adminPrincipal();
        if (principal.kind !== 'member') {
          throw new AppError(
            'forbidden',
            'An admin token has no session: revoke it with DELETE /v1/admin-tokens/:tokenId.',
          );
        }
        await endSession(deps, principal.sessionId);
        return { status: 204, headers: { 'Set-Cookie': clearedCookies() } };
      },
    },
  ];
}
