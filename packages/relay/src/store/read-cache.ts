import type { ConnectorRecord, Store, Template, VerifySettings } from './types/index.js';

/** A store whose hot lookups are cached, and the way to forget them all. */
export interface ReadCache {
  store: Store;
  /** Forgets every cached read (another relay announced a change). */
  forgetAll(): void;
}

/** How long reads are kept, the clock, and who hears of a write through this store. */
export interface ReadCacheOptions {
  ttlMs: number;
  now: () => number;
  /**
   * Called after each write through this store that made it forget something, so the other
   * relays forget theirs (`store/redis/invalidation.ts`). Awaited: the write's caller hears back
   * once it was announced. Must not throw.
   */
  onChange?: () => Promise<void>;
}

interface Entry<T> {
  value: T;
  expires: number;
}

/** The cached reads, one map per lookup. */
interface Maps {
  templates: Map<string, Entry<Template | null>>;
  connectors: Map<string, Entry<ConnectorRecord[]>>;
  optOuts: Map<string, Entry<boolean>>;
  verifySettings: Map<string, Entry<Partial<VerifySettings>>>;
}

/** What the cached store's methods share: read through the maps, write then forget. */
interface Cache {
  maps: Maps;
  cached: <T>(map: Map<string, Entry<T>>, key: string, load: () => Promise<T>) => Promise<T>;
  /** Runs a write, then forgets what it touched (also when it failed: the next read asks the store). */
  thenForget: <T>(write: Promise<T>, forget: () => void) => Promise<T>;
  forgetAll: () => void;
}

/**
 * Wraps a store so the lookups every send makes — its template, the connectors of its channel,
 * whether its recipient opted out, its project's verify settings (the CAPTCHA on sends) — are
 * served from memory for `ttlMs`. Writes through this store drop what they touch at once; writes
 * by another process (the CLI, another relay) show within `ttlMs`, or at once when that process
 * announces them and this one hears it (`createReadCache`'s `forgetAll`).
 */
export function withReadCache(store: Store, options: ReadCacheOptions): Store {
  return createReadCache(store, options).store;
}

/** `withReadCache`, with the handle that forgets every cached read. */
export function createReadCache(store: Store, options: ReadCacheOptions): ReadCache {
  if (options.ttlMs <= 0) return { store, forgetAll: () => {} };
  const changed = options.onChange ?? (() => Promise.resolve());
  const maps: Maps = { templates: new Map(), connectors: new Map(), optOuts: new Map(), verifySettings: new Map() };
  const forgetAll = () => {
    for (const map of Object.values(maps) as Array<Map<string, unknown>>) map.clear();
  };
  const cache: Cache = {
    maps,
    async cached(map, key, load) {
      const hit = map.get(key);
      const now = options.now();
      if (hit && hit.expires > now) return hit.value;
      const value = await load();
      // Bounded: recipients are many; a full map starts over rather than growing.
      if (map.size >= 10_000) map.clear();
      map.set(key, { value, expires: now + options.ttlMs });
      return value;
    },
    async thenForget(write, forget) {
      try {
        return await write;
      } finally {
        forget();
        await changed();
      }
    },
    forgetAll,
  };
  return { store: cachedStore(store, cache), forgetAll };
}

/** The store with its hot lookups served from `cache` and its writes forgetting what they touch. */
function cachedStore(store: Store, cache: Cache): Store {
  const { maps, cached, thenForget, forgetAll } = cache;
  const { templates, connectors, optOuts, verifySettings } = maps;
  const forgetTemplates = () => templates.clear();
  const forgetConnectors = () => connectors.clear();
  const optOut = (projectId: string, address: string) => () => optOuts.delete(`${projectId}\0${address}`);
  return {
    ...store,
    // A unit of work writes through its own repositories, past these maps: forget them all after one.
    transaction: (work) => thenForget(store.transaction(work), forgetAll),
    // Everything a deleted project held goes with it.
    projects: { ...store.projects, remove: (id) => thenForget(store.projects.remove(id), forgetAll) },
    templates: {
      ...store.templates,
      get: (projectId, name) => cached(templates, `${projectId}\0${name}`, () => store.templates.get(projectId, name)),
      upsert: (template) =>
        thenForget(store.templates.upsert(template), () => templates.delete(`${template.projectId}\0${template.name}`)),
      setActive: (templateId, active, at) =>
        thenForget(store.templates.setActive(templateId, active, at), forgetTemplates),
      remove: (templateId) => thenForget(store.templates.remove(templateId), forgetTemplates),
    },
    verify: {
      ...store.verify,
      getSettings: (projectId) => cached(verifySettings, projectId, () => store.verify.getSettings(projectId)),
      saveSettings: (projectId, settings) =>
        thenForget(store.verify.saveSettings(projectId, settings), () => verifySettings.delete(projectId)),
    },
    optOuts: {
      ...store.optOuts,
      has: (projectId, address) =>
        cached(optOuts, `${projectId}\0${address}`, () => store.optOuts.has(projectId, address)),
      add: (projectId, address, at, entry) =>
        thenForget(store.optOuts.add(projectId, address, at, entry), optOut(projectId, address)),
      remove: (projectId, address) => thenForget(store.optOuts.remove(projectId, address), optOut(projectId, address)),
    },
    connectors: {
      ...store.connectors,
      forChannel: (projectId, channel) =>
        cached(connectors, `${projectId}\0${channel}`, () => store.connectors.forChannel(projectId, channel)),
      create: (record) => thenForget(store.connectors.create(record), forgetConnectors),
      update: (id, patch, at) => thenForget(store.connectors.update(id, patch, at), forgetConnectors),
      remove: (id) => thenForget(store.connectors.remove(id), forgetConnectors),
    },
  };
}
