import type { ConnectorRecord, Store, Template, VerifySettings } from './types/index.js';

/** Runs a write, then forgets what it touched (also when it failed: the next read asks the store). */
async function thenForget<T>(write: Promise<T>, forget: () => void): Promise<T> {
  try {
    return await write;
  } finally {
    forget();
  }
}

/**
 * Wraps a store so the lookups every send makes — its template, the connectors of its channel,
 * whether its recipient opted out, its project's verify settings (the CAPTCHA on sends) — are served from memory for `ttlMs`. Writes through this store drop what they touch at
 * once; writes by another process (the CLI) show within `ttlMs`.
 */
export function withReadCache(store: Store, options: { ttlMs: number; now: () => number }): Store {
  if (options.ttlMs <= 0) return store;
  const templates = new Map<string, { value: Template | null; expires: number }>();
  const connectors = new Map<string, { value: ConnectorRecord[]; expires: number }>();
  const optOuts = new Map<string, { value: boolean; expires: number }>();
  const verifySettings = new Map<string, { value: Partial<VerifySettings>; expires: number }>();
  const cached = async <T>(
    map: Map<string, { value: T; expires: number }>,
    key: string,
    load: () => Promise<T>,
  ): Promise<T> => {
    const hit = map.get(key);
    const now = options.now();
    if (hit && hit.expires > now) return hit.value;
    const value = await load();
    // Bounded: recipients are many; a full map starts over rather than growing.
    if (map.size >= 10_000) map.clear();
    map.set(key, { value, expires: now + options.ttlMs });
    return value;
  };
  const forgetAll = () => {
    for (const map of [templates, connectors, optOuts, verifySettings]) map.clear();
  };
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
      async upsert(template) {
        await store.templates.upsert(template);
        templates.delete(`${template.projectId}\0${template.name}`);
      },
      async setActive(templateId, active, at) {
        await store.templates.setActive(templateId, active, at);
        templates.clear();
      },
      async remove(templateId) {
        const removed = await store.templates.remove(templateId);
        templates.clear();
        return removed;
      },
    },
    verify: {
      ...store.verify,
      getSettings: (projectId) => cached(verifySettings, projectId, () => store.verify.getSettings(projectId)),
      async saveSettings(projectId, settings) {
        await store.verify.saveSettings(projectId, settings);
        verifySettings.delete(projectId);
      },
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
