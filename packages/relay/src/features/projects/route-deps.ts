import type { Store } from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';

/** What the admin routes of projects, keys, connectors and opt-outs share; built once by `app.ts`. */
export interface ProjectAdminDeps {
  store: Store;
  sealer: Sealer;
  now: () => number;
  /** Provider API base URLs by connector type (`…/test` calls them; tests point them at local servers). */
  connectorBaseUrls: Record<string, string>;
  /**
   * Forgets the cached keys and origins after a change that affects them (this process answers at
   * once) and, with Redis, tells the other relays to; resolves once told, never throws.
   */
  invalidate: () => void | Promise<void>;
}
