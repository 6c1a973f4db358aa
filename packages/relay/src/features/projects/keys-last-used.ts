import type { Store } from '../../store/types.js';
import { createLastUsed, type LastUsed } from '../accounts/last-used.js';
import { LAST_USED_FLUSH_MS } from '../accounts/create-accounts.js';

/**
 * Keys' last-used times, off the request path: the batched toucher of admin tokens
 * (`features/accounts/last-used.ts`), over the same store with its `adminTokens.touch` pointed at
 * `keys.touch`. `lastUsedAt` is then precise to the flush interval (30 s).
 */
export function createKeysLastUsed(store: Store, flushMs: number = LAST_USED_FLUSH_MS): LastUsed {
  const keyTimes: Store = {
    ...store,
    adminTokens: { ...store.adminTokens, touch: (batch) => store.keys.touch(batch) },
  };
  return createLastUsed(keyTimes, { flushMs });
}
