/** A connector as the breaker tells it apart: its id, and its type for metrics and status. */
export interface BreakerConnector {
  id: string;
  type: string;
}

/** One connector's health as this process's worker has seen it (`GET /v1/status`, `/metrics`). */
export interface BreakerState {
  connectorId: string;
  connectorType: string;
  /** Skipped (while another connector of the channel exists) until `openUntil`. */
  open: boolean;
  openUntil: number | null;
  /** Transient failures in a row since the last success (or since the breaker last opened). */
  failures: number;
  /** The provider's last refusal: the relay's code (`provider_unavailable`, `invalid_recipient`…), whether a retry could help, when. */
  lastError: { code: string; transient: boolean; at: number } | null;
  lastSuccessAt: number | null;
}

interface Entry {
  type: string;
  failures: number;
  openUntil: number;
  lastError: BreakerState['lastError'];
  lastSuccessAt: number | null;
}

/**
 * Per-connector circuit breaker: after `threshold` transient failures in a row a connector is
 * skipped for `cooldownMs` (while another connector of the channel exists), then tried again.
 * In memory: each worker process learns on its own, which is enough to stop hammering a
 * provider that is down. It also keeps what `health()` reports of each connector it has called.
 */
export function createCircuitBreaker(options: { threshold: number; cooldownMs: number; now: () => number }) {
  const state = new Map<string, Entry>();
  const entryOf = (connector: BreakerConnector): Entry => {
    let s = state.get(connector.id);
    if (s === undefined) {
      s = { type: connector.type, failures: 0, openUntil: 0, lastError: null, lastSuccessAt: null };
      state.set(connector.id, s);
    }
    return s;
  };
  return {
    isOpen(id: string): boolean {
      const s = state.get(id);
      return s !== undefined && s.openUntil > options.now();
    },
    /** The provider took a message at `at`: the breaker closes. */
    success(connector: BreakerConnector, at: number): void {
      const s = entryOf(connector);
      s.failures = 0;
      s.openUntil = 0;
      s.lastSuccessAt = at;
    },
    /** The provider refused at `at` with `code`; only transient failures count towards opening. */
    failure(connector: BreakerConnector, failure: { code: string; transient: boolean }, at: number): void {
      const s = entryOf(connector);
      s.lastError = { code: failure.code, transient: failure.transient, at };
      if (!failure.transient) return;
      s.failures++;
      if (s.failures >= options.threshold) {
        s.openUntil = options.now() + options.cooldownMs;
        s.failures = 0;
      }
    },
    /** Every connector this breaker has seen, as it stands now. */
    health(): BreakerState[] {
      const now = options.now();
      return [...state].map(([connectorId, s]) => ({
        connectorId,
        connectorType: s.type,
        open: s.openUntil > now,
        openUntil: s.openUntil > now ? s.openUntil : null,
        failures: s.failures,
        lastError: s.lastError,
        lastSuccessAt: s.lastSuccessAt,
      }));
    },
  };
}
export type CircuitBreaker = ReturnType<typeof createCircuitBreaker>;
