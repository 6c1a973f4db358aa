import type { ApiKey } from './api-key.js';
import type { Project } from './project.js';

/**
 * Who makes a request, once authenticated. Today one kind: a project key (`pk_…` from a page,
 * `sk_…` from a server), resolved with its project. The accounts issue adds members (a person
 * signed in) and admin tokens as other kinds of this union; every room then narrows on `kind`
 * and asks `domain/permissions.ts` what the principal may do, never the key's prefix.
 */
export interface KeyPrincipal {
  readonly kind: 'key';
  readonly key: ApiKey;
  readonly project: Project;
}

export type Principal = KeyPrincipal;

/** The principal a key resolves to. */
export function keyPrincipal(key: ApiKey, project: Project): KeyPrincipal {
  return { kind: 'key', key, project };
}
