import { vi } from 'vitest';
import { startRelay, type TestRelay } from './start-relay.js';

/**
 * A relay whose clock is `Date`, moved by the test. rate-limiter-flexible's windows run on Date,
 * so vitest's fake Date drives them and the relay's injected `now` alike; no test waits in real
 * time. Each relay starts a day after the previous one, so windows never carry over.
 */
export function movableDate(startIso: string) {
  let start = Date.parse(startIso);
  return {
    async startRelay(): Promise<TestRelay> {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(start);
      return startRelay({ deps: { now: () => Date.now() } });
    },
    async stop(t: TestRelay): Promise<void> {
      await t.cleanup();
      vi.useRealTimers();
      start += 24 * 3600_000;
    },
    advance(ms: number): void {
      vi.setSystemTime(Date.now() + ms);
    },
  };
}
