import { describe, expect, it } from 'vitest';
import { projectAdminRoutes, type ProjectAdminDeps } from '../../src/features/projects/admin-routes.js';

/** Building the routes touches none of their dependencies. */
const deps = {} as ProjectAdminDeps;

describe('the projects admin API routes', () => {
  const routes = projectAdminRoutes(deps);

  it('are unique by method and path', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('DELETE /v1/projects/:projectId');
    expect(keys).toContain('POST /v1/projects/:projectId/keys/:keyId/rotate');
    expect(keys).toContain('GET /v1/connector-types');
    expect(keys).toContain('GET /v1/projects/:projectId/opt-outs/:address');
  });

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s is documented for the OpenAPI document: admin, a summary, its answers, and a body schema when it takes one',
    (_name, route) => {
      expect(route.doc).toBeDefined();
      const doc = route.doc!;
      expect(doc.auth).toBe('admin');
      expect(doc.summary.length).toBeGreaterThan(10);
      expect(Object.keys(doc.responses).length).toBeGreaterThan(0);
      const takesBody = (route.use ?? []).some((h) => /jsonBody/i.test(h.name));
      expect(doc.body !== undefined, 'body schema').toBe(takesBody);
      // Writes name the permission they need; so do reads other than projects and connector types.
      if (route.method !== 'GET' || !/^\/v1\/(projects(\/:projectId)?|connector-types)$/.test(route.path)) {
        expect(doc.permission, 'permission').toBeDefined();
      }
    },
  );
});
