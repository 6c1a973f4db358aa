import { headers } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import type { AdminPrincipal, KeyPrincipal } from '../../domain/principal.js';
import { requirePermission, visibleProject } from '../../domain/permissions.js';
import type { ApiKey } from '../../domain/api-key.js';
import type { Store } from '../../store/types/index.js';
import type { ApiRequest, Handler } from './handler.js';
import type { TrustProxy } from './request-info.js';
import { localsOf } from './locals.js';
import { COOKIES, readCookie } from './cookies.js';
import { checkCsrf, isUnsafeMethod } from './csrf.js';

/**
 * Turns an admin credential into its principal, or throws `401` (`unauthorized`, or
 * `token_expired` for an access token past its 15 minutes). Implemented by the accounts room
 * (`features/accounts/resolve-principal.ts`) and handed to the platform by `app.ts`.
 */
export type AdminResolver = (token: string, via: 'bearer' | 'cookie') => Promise<AdminPrincipal>;

/** `pk_…`/`sk_…`: project keys, which never open a management route. */
export const PROJECT_KEY = /^(pk|sk)_[0-9A-Za-z]{43}$/;

/** The Bearer token of a request, if any. */
export function bearerToken(req: ApiRequest): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}

/**
 * The management plane's access step, for routes mounted with `{ use: [adminAccess(…)] }`: a Bearer
 * access token (JWT) or admin token (`mat_…`), else the browser's `__Host-mjs_at` cookie. A cookie
 * write must also pass the CSRF check (`csrf.ts`). A project key is refused with 401 whatever it
 * could do on the send path. The principal is left in `res.locals` for `request.adminPrincipal()`,
 * and how to resolve the same credential again for `request.adminReauthorizer()`.
 */
export function adminAccess(options: {
  resolve: AdminResolver;
  csrfKey: Buffer;
  trust: TrustProxy;
  publicUrl: string | null;
}): Handler {
  return async function adminAccessMiddleware(req, res, next) {
    try {
      const bearer = bearerToken(req);
      if (req.headers.authorization !== undefined && bearer === undefined) {
        throw new AppError('unauthorized', 'Pass `Authorization: Bearer <access token or mat_… admin token>`.');
      }
      if (bearer !== undefined && PROJECT_KEY.test(bearer)) {
        throw new AppError(
          'unauthorized',
          'Project keys (pk_…, sk_…) do not open admin routes: sign in (POST /v1/auth/login) or use an admin token (mat_…).',
        );
      }
      let principal: AdminPrincipal;
      let reauthorize: () => Promise<AdminPrincipal>;
      if (bearer !== undefined) {
        reauthorize = () => options.resolve(bearer, 'bearer');
        principal = await reauthorize();
      } else {
        const cookie = readCookie(req, COOKIES.access);
        if (!cookie)
          throw new AppError('unauthorized', 'Sign in (POST /v1/auth/login) or pass an admin token (mat_…).');
        reauthorize = () => options.resolve(cookie, 'cookie');
        principal = await reauthorize();
        if (principal.kind === 'member' && isUnsafeMethod(req.method)) {
          checkCsrf(req, { ...options, sessionId: principal.sessionId });
        }
      }
      localsOf(res).principal = principal;
      localsOf(res).reauthorize = reauthorize;
    } catch (error) {
      return next(error);
    }
    next();
  };
}

/**
 * An admin credential sending through `POST /v1/messages` (issue 12), or reading a message back:
 * it needs `send_messages` (or `view_history` to read), else `403 forbidden` naming it. Its
 * project is named by the `MessageJS-Project` header, which may be left out when the credential
 * sees exactly one project; one it cannot see is `404`. The answer stands in for a secret key of
 * that project whose id is the token's (or the member's), so idempotency and the per-key limit
 * are the credential's own.
 */
/** `?projectId=` of a request's URL, when there is one. */
function projectIdOfQuery(url: string | undefined): string | undefined {
  const query = url?.indexOf('?') ?? -1;
  if (!url || query === -1) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get('projectId')?.trim() || undefined;
}

export async function adminSendPrincipal(
  req: ApiRequest,
  token: string,
  options: { resolve: AdminResolver; store: Store },
): Promise<KeyPrincipal> {
  const principal = await options.resolve(token, 'bearer');
  requirePermission(principal, req.method === 'GET' ? 'view_history' : 'send_messages');
  const header = req.headers[headers.project.toLowerCase()];
  let projectId = typeof header === 'string' ? header.trim() : undefined;
  // A read may name it in its query instead (`GET /v1/messages?projectId=prj_…`).
  if (!projectId && req.method === 'GET') projectId = projectIdOfQuery(req.url);
  if (!projectId && principal.projectIds?.size === 1) projectId = [...principal.projectIds][0];
  if (!projectId) {
    throw new AppError('validation_failed', `Name the project with the \`${headers.project}: prj_…\` header.`, {
      field: headers.project,
    });
  }
  const project = await options.store.projects.get(projectId);
  if (!project || !visibleProject(principal, project)) {
    throw new AppError('project_not_found', `No project ${projectId.slice(0, 100)}.`, { field: headers.project });
  }
  const key: ApiKey = {
    id: principal.kind === 'admin_token' ? principal.tokenId : principal.memberId,
    projectId: project.id,
    kind: 'secret',
    prefix: principal.kind === 'admin_token' ? 'mat_' : 'member',
    name: null,
    createdAt: 0,
    expiresAt: null,
    revokedAt: null,
  };
  return { kind: 'key', key, project, actingFor: principal };
}
