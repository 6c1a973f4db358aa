import type { Store } from '../../store/types.js';

/**
 * Last-used times kept in memory and written in one unit every `flushMs` (and on close), so an
 * authenticated request writes nothing: admin tokens' `lastUsedAt` is precise to the interval.
 */
export interface LastUsed {
  touch(tokenId: string, at: number): void;
  flush(): Promise<void>;
  /** Stops the timer and writes what is pending. */
  close(): Promise<void>;
}

export function createLastUsed(store: Store, options: { flushMs: number }): LastUsed {
  let pending = new Map<string, number>();
  const flush = async () => {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    await store.adminTokens.touch(batch);
  };
  const timer = setInterval(() => void flush().catch(() => undefined), options.flushMs);
  timer.unref();
  return {
    touch(tokenId, at) {
      if ((pending.get(tokenId) ?? 0) < at) pending.set(tokenId, at);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
