import { permissions, roles, type Permission, type Role } from '@messagejs/shared-types';
import { AppError } from './app-error.js';
import type { AdminPrincipal, KeyPrincipal, Principal } from './principal.js';

export { permissions, roles, type Permission, type Role };

/**
 * What each role may do before per-member overrides (issue 12). Owners hold everything and
 * take no overrides. Managers run a project's day-to-day (templates, keys, webhooks, contacts,
 * campaigns) but not its provider credentials, members, settings or audit log.
 */
export const roleDefaults: Readonly<Record<Role, ReadonlySet<Permission>>> = Object.freeze({
  owner: new Set<Permission>(permissions),
  admin: new Set<Permission>(permissions),
  manager: new Set<Permission>([
    'send_messages',
    'view_history',
    'view_analytics',
    'export_data',
    'manage_templates',
    'manage_keys',
    'manage_webhooks',
    'manage_campaigns',
    'manage_contacts',
  ]),
  sender: new Set<Permission>(['send_messages', 'view_history', 'view_analytics', 'manage_contacts']),
  viewer: new Set<Permission>(['view_history', 'view_analytics']),
});

/** A role's permissions with `granted` added and `withdrawn` taken away (an owner's are never narrowed). */
export function effectivePermissions(
  role: Role,
  granted: readonly Permission[],
  withdrawn: readonly Permission[],
): ReadonlySet<Permission> {
  if (role === 'owner') return roleDefaults.owner;
  const set = new Set(roleDefaults[role]);
  for (const p of granted) set.add(p);
  for (const p of withdrawn) set.delete(p);
  return set;
}

/**
 * A key's permissions within its own project. A public key sits in page source: it may only send
 * (what it may send is narrowed further by the project's templates, origins and limits) and read
 * back the messages it sent. A secret key is the project's server credential, like a Stripe secret
 * key: the project's data plane, but never the management plane (keys, connectors, members,
 * settings, audit), which needs a member or an admin token.
 */
const keyPermissions: Readonly<Record<'public' | 'secret', ReadonlySet<Permission>>> = Object.freeze({
  public: new Set<Permission>(['send_messages']),
  secret: new Set<Permission>(['send_messages', 'view_history', 'export_data', 'view_analytics', 'manage_contacts']),
});

function keyCan(principal: KeyPrincipal, permission: Permission): boolean {
  if (!keyPermissions[principal.key.kind].has(permission)) return false;
  return principal.actingFor === undefined || principal.actingFor.permissions.has(permission);
}

/**
 * True when `principal` holds `permission`: a key within its own project (and, standing in for an
 * admin credential, only what that credential holds too); a member or admin token from its
 * effective permissions; the CLI and the relay itself always.
 */
export function can(principal: Principal, permission: Permission): boolean {
  switch (principal.kind) {
    case 'key':
      return keyCan(principal, permission);
    case 'member':
    case 'admin_token':
      return principal.permissions.has(permission);
    default:
      return true;
  }
}

/** `403 forbidden` naming the missing permission in its body (`permission`). */
export function forbidden(permission: Permission, message?: string): AppError {
  return new AppError('forbidden', message ?? `This needs the \`${permission}\` permission.`, {
    detail: { permission },
  });
}

/**
 * Throws `403 forbidden` unless `principal` holds `permission`. `message` says what the caller
 * should use instead (e.g. a secret key from a server).
 */
export function requirePermission(principal: Principal, permission: Permission, message?: string): void {
  if (!can(principal, permission)) throw forbidden(permission, message);
}

/**
 * Whether `principal` may see a project at all: the CLI and the relay see every one; a key its own;
 * a member or an admin token the projects of its account, within its scope when it has one. The
 * caller answers a project it may not see as `404 project_not_found`, never 403: another account's
 * projects must not be told apart from ones that do not exist.
 */
export function visibleProject(principal: Principal, project: { id: string; accountId: string | null }): boolean {
  switch (principal.kind) {
    case 'key':
      return principal.project.id === project.id;
    case 'member':
    case 'admin_token':
      return (
        project.accountId === principal.accountId &&
        (principal.projectIds === null || principal.projectIds.has(project.id))
      );
    default:
      return true;
  }
}

/**
 * The management plane's one check, in the order 401 → 404 → 403 (the caller has already
 * authenticated): with a project, one the principal cannot see is `404 project_not_found`; then
 * `403 forbidden` naming `permission` unless the principal holds it.
 */
export function authorize(
  principal: Principal,
  permission: Permission,
  project?: { id: string; accountId: string | null } | null,
): void {
  if (project !== undefined) {
    if (project === null || !visibleProject(principal, project)) {
      throw new AppError('project_not_found', project ? `No project ${project.id}.` : 'No such project.', {
        field: 'projectId',
      });
    }
  }
  requirePermission(principal, permission);
}

/** True when `principal` is limited to some projects of its account. */
export function isRestricted(principal: AdminPrincipal): boolean {
  return principal.projectIds !== null;
}
