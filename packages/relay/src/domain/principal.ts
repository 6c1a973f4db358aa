import type { Permission, Role } from '@messagejs/shared-types';
import type { ApiKey } from './api-key.js';
import type { Project } from './project.js';

/**
 * Who makes a request, once authenticated. On the send path, a project key (`pk_…` from a page,
 * `sk_…` from a server), resolved with its project. On the management plane, a member signed in
 * (a session, by Bearer JWT or cookie) or an admin token (`mat_…`). The CLI and the relay itself
 * act without a user. Every room narrows on `kind` and asks `domain/permissions.ts` what the
 * principal may do, never a token's prefix.
 */
export type Principal = KeyPrincipal | MemberPrincipal | AdminTokenPrincipal | CliPrincipal | SystemPrincipal;

/**
 * A project key with its project: the send path's principal, cached by hash (it must stay small
 * and allocation-free). `actingFor` is set only when an admin credential sends through
 * `POST /v1/messages` (issue 12): the key is then a stand-in with secret-key rights whose id
 * is the token's or member's, and `actingFor` names who is really sending.
 */
export interface KeyPrincipal {
  readonly kind: 'key';
  readonly key: ApiKey;
  readonly project: Project;
  readonly actingFor?: AdminPrincipal;
}

/** A signed-in member: one session (the refresh-token family), over a Bearer JWT or the browser's cookie. */
export interface MemberPrincipal {
  readonly kind: 'member';
  readonly memberId: string;
  readonly userId: string;
  readonly accountId: string;
  readonly role: Role;
  /** The member's effective permissions, read from the store on every request (no cache). */
  readonly permissions: ReadonlySet<Permission>;
  /** The projects the member is limited to; null for every project of the account. */
  readonly projectIds: ReadonlySet<string> | null;
  readonly sessionId: string;
  readonly via: 'bearer' | 'cookie';
}

/**
 * An admin token (`mat_…`). Its permissions are its own scope within its member's effective
 * permissions, and its projects its own within the member's, both recomputed on every request, so
 * a demotion or a narrower scope holds at once.
 */
export interface AdminTokenPrincipal {
  readonly kind: 'admin_token';
  readonly tokenId: string;
  readonly memberId: string;
  readonly userId: string;
  readonly accountId: string;
  readonly role: Role;
  readonly permissions: ReadonlySet<Permission>;
  readonly projectIds: ReadonlySet<string> | null;
}

/** An operator at the `messagejs-relay` command line: every permission on every project, no user needed. */
export interface CliPrincipal {
  readonly kind: 'cli';
}

/** The relay itself (the demo project on first start, embedders that name no actor). */
export interface SystemPrincipal {
  readonly kind: 'system';
}

/** A principal of the management plane: a person or their token, always within one account. */
export type AdminPrincipal = MemberPrincipal | AdminTokenPrincipal;

/** The principal a key resolves to. */
export function keyPrincipal(key: ApiKey, project: Project): KeyPrincipal {
  return { kind: 'key', key, project };
}

export const cliPrincipal: CliPrincipal = Object.freeze({ kind: 'cli' });
export const systemPrincipal: SystemPrincipal = Object.freeze({ kind: 'system' });

/** True for a member or an admin token. */
export function isAdminPrincipal(principal: Principal | undefined): principal is AdminPrincipal {
  return principal !== undefined && (principal.kind === 'member' || principal.kind === 'admin_token');
}
