import { cliPrincipal, systemPrincipal, type Principal } from './principal.js';

/**
 * Who makes an admin change, and from where. Every service function that changes something takes
 * one and writes it to the audit log itself, so no caller can forget.
 */
export interface Actor {
  readonly principal: Principal;
  /** The client's address, for changes made over HTTP. */
  readonly ip?: string;
  readonly userAgent?: string;
  readonly requestId?: string;
}

/** An operator at the `messagejs-relay` command line. */
export const cliActor: Actor = Object.freeze({ principal: cliPrincipal });

/** The relay itself (the demo project on first start) and embedders that name no actor. */
export const systemActor: Actor = Object.freeze({ principal: systemPrincipal });

/** One admin change as the audit log keeps it. */
export interface AuditEntry {
  projectId: string | null;
  action: string;
  detail?: Record<string, unknown>;
  at: number;
  /** The account the change belongs to; the actor's, or the project's, when left out. */
  accountId?: string | null;
  /** What was changed (`member`, `mbr_…`). */
  resource?: { type: string; id: string };
  /** The resource before and after the change; secrets are redacted before they are stored. */
  before?: unknown;
  after?: unknown;
}

/** The name an actor has in the audit log's `actor` column: `cli`, `system`, `member`, `admin_token` or `key`. */
export function actorName(actor: Actor): string {
  return actor.principal.kind;
}

/** The member (or the key) behind a change, for the audit log's `actor_id`; null for the CLI and the relay. */
export function actorId(actor: Actor): string | null {
  const p = actor.principal;
  if (p.kind === 'member' || p.kind === 'admin_token') return p.memberId;
  if (p.kind === 'key') return p.actingFor?.memberId ?? p.key.id;
  return null;
}

/** The credential that made a change: `session:<sid>`, `admin_token:<id>`, `key:<id>`, `cli` or `system`. */
export function credentialOf(actor: Actor): string {
  const p = actor.principal;
  switch (p.kind) {
    case 'member':
      return `session:${p.sessionId}`;
    case 'admin_token':
      return `admin_token:${p.tokenId}`;
    case 'key':
      return `key:${p.key.id}`;
    default:
      return p.kind;
  }
}

/** The account an actor acts in; null for the CLI, the relay and project keys. */
export function actorAccountId(actor: Actor): string | null {
  const p = actor.principal;
  return p.kind === 'member' || p.kind === 'admin_token' ? p.accountId : null;
}
