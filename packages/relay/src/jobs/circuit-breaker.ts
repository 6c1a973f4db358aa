/**
 * Per-connector circuit breaker: after `threshold` transient failures in a row a connector is
 * skipped for `cooldownMs` (while another connector of the channel exists), then tried again.
 * In memory: each worker process learns on its own, which is enough to stop hammering a
 * provider that is down.
 */
export function createCircuitBreaker(options: { threshold: number; cooldownMs: number; now: () => number }) {
  const state = new Map<string, { failures: number; openUntil: number }>();
  return {
    isOpen(id: string): boolean {
      const s = state.get(id);
      return s !== undefined && s.openUntil > options.now();
    },
    success(id: string): void {
      state.delete(id);
    },
    failure(id: string): void {
      const s = state.get(id) ?? { failures: 0, openUntil: 0 };
      s.failures++;
      if (s.failures >= options.threshold) {
        s.openUntil = options.now() + options.cooldownMs;
        s.failures = 0;
      }
      state.set(id, s);
    },
  };
}
export type CircuitBreaker = ReturnType<typeof createCircuitBreaker>;
