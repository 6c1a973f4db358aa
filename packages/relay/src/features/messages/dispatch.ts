import type { Message, OutboxLease } from '../../store/types.js';

/**
 * Where an accepted message goes once stored: the in-process worker. Before storing, the sender
 * asks for a lease; with one, the outbox row is written already leased and the worker delivers
 * the message from memory (no claim transaction, no wait for a poll).
 */
export interface Dispatch {
  /** A lease for a message due at `dueAt`, when the worker can take it soon; else null. */
  reserve(dueAt: number): OutboxLease | null;
  /** The message is stored, leased with `lease` (from `reserve`) or not (null). */
  stored(message: Message, lease: OutboxLease | null): void;
  /** A reserved lease went unused: the store refused the message or failed. */
  unreserve(lease: OutboxLease | null): void;
}
