import type { Store } from '../../store/types.js';
import { actorName, type Actor, type AuditEntry } from '../../domain/actor.js';

/** Writes one admin change to the audit log under its actor. */
export function recordChange(store: Store, actor: Actor, entry: AuditEntry): Promise<void> {
  return store.audit.record({ ...entry, actor: actorName(actor) });
}
