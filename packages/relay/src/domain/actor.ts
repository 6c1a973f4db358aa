/**
 * Who makes an admin change. Every service function that changes a project takes one and writes
 * it to the audit log itself, so no caller can forget. Members and admin tokens join this union
 * with the accounts issue.
 */
export type Actor = { readonly kind: 'cli' } | { readonly kind: 'system' };

/** An operator at the `messagejs-relay` command line. */
export const cliActor: Actor = Object.freeze({ kind: 'cli' });

/** The relay itself (the demo project on first start) and embedders that name no actor. */
export const systemActor: Actor = Object.freeze({ kind: 'system' });

/** One admin change as the audit log keeps it. */
export interface AuditEntry {
  projectId: string | null;
  action: string;
  detail?: Record<string, unknown>;
  at: number;
}

/** The name an actor has in the audit log's `actor` column. */
export function actorName(actor: Actor): string {
  return actor.kind;
}
