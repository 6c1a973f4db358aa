/**
 * Paces each connector to its send rate (issue 16: `sendRate`, messages per second): a message
 * goes through a paced connector at the next free slot, slots `1000 / rate` ms apart (GCRA, no
 * burst), so a Twilio long code at 1/s is never sent two messages in one second and the provider
 * has no 429 to answer. A slot a few hundred ms away is waited for; a later one is held for the
 * message, which goes back to the outbox due then — the worker's slots stay free for other
 * connectors' messages. Each worker process paces on its own (as its circuit breakers do): N
 * workers sending through one connector send up to N times its rate.
 */
export interface SendPacer {
  /**
   * The time (ms) `messageId` may go through `connectorId` at `rate` per second: the slot held for
   * it (given back once), else the next free one, taken.
   */
  slot(connectorId: string, messageId: string, rate: number, now: number): number;
  /** Keeps `slot` for `messageId`, which comes back then. */
  hold(connectorId: string, messageId: string, slot: number): void;
}

/** Held slots older than this are forgotten (their message was sent elsewhere, or canceled). */
const FORGET_AFTER_MS = 3600_000;

export function createSendPacer(): SendPacer {
  const next = new Map<string, number>();
  const held = new Map<string, number>();
  const key = (connectorId: string, messageId: string) => `${connectorId} ${messageId}`;
  return {
    slot(connectorId, messageId, rate, now) {
      const k = key(connectorId, messageId);
      const kept = held.get(k);
      if (kept !== undefined) {
        held.delete(k);
        return kept;
      }
      const at = Math.max(now, next.get(connectorId) ?? now);
      next.set(connectorId, at + 1000 / rate);
      return at;
    },
    hold(connectorId, messageId, slot) {
      if (held.size >= 100_000) {
        for (const [k, at] of held) if (at < slot - FORGET_AFTER_MS) held.delete(k);
      }
      held.set(key(connectorId, messageId), slot);
    },
  };
}
