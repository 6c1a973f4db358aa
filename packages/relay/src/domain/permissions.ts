import { AppError } from './app-error.js';
import type { Principal } from './principal.js';

/**
 * What a principal may do. The names are the accounts issue's: roles are sets of them, and an
 * owner or admin may grant or withdraw single ones per member.
 */
export const permissions = [
  'send_messages',
  'view_history',
  'export_data',
  'view_analytics',
  'manage_templates',
  'manage_keys',
  'manage_connectors',
  'manage_webhooks',
  'manage_contacts',
  'manage_campaigns',
  'manage_members',
  'manage_settings',
  'view_audit',
] as const;
export type Permission = (typeof permissions)[number];

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

/** True when `principal` holds `permission` (for a key: within its own project). */
export function can(principal: Principal, permission: Permission): boolean {
  return keyPermissions[principal.key.kind].has(permission);
}

/**
 * Throws `403 forbidden` unless `principal` holds `permission`. `message` says what the caller
 * should use instead (e.g. a secret key from a server).
 */
export function requirePermission(principal: Principal, permission: Permission, message?: string): void {
  if (!can(principal, permission)) {
    throw new AppError('forbidden', message ?? `This needs the \`${permission}\` permission.`);
  }
}
