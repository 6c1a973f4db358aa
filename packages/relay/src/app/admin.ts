import type { Parts } from '../app.js';
import type { Handler } from '../http/platform/handler.js';
import type { Router } from '../http/platform/router.js';
import type { AccountsDeps } from '../features/accounts/deps.js';
import { authRoutes, selfRoutes } from '../features/accounts/routes.js';
import { accountRoutes, adminTokenRoutes } from '../features/accounts/account-routes.js';
import { projectAdminRoutes } from '../features/projects/admin-routes.js';
import { webhookRoutes } from '../features/webhooks/routes.js';
import { eventStreamRoutes } from '../features/webhooks/stream-routes.js';
import { inboundAdminRoutes } from '../features/inbound/admin-routes.js';
import { contactImportRoutes } from '../features/contacts/import-routes.js';

/** The management plane: sign-in (public), accounts and the projects' admin API (behind the admin access step). */
export function mountAdmin(
  router: Router,
  accounts: AccountsDeps,
  parts: Parts,
  admin: Handler,
  sameOrigin: Handler,
): void {
  router.mount(authRoutes(accounts, { sameOrigin }));
  router.mount([...selfRoutes(accounts), ...accountRoutes(accounts), ...adminTokenRoutes(accounts)], {
    use: [admin],
  });
  // Keys and origins changed here are answered at once, by every relay with Redis, not after the caches' TTL.
  const invalidate = () => {
    parts.keyCache.clear();
    return parts.shared.announce();
  };
  // Before the projects' routes: `…/contacts/export` is not a contact id.
  router.mount(
    contactImportRoutes({
      store: parts.store,
      now: parts.now,
      imports: parts.imports,
      maxImportBytes: parts.config.importMaxMb * 1024 * 1024,
    }),
    { use: [admin] },
  );
  router.mount(projectAdminRoutes({ ...parts, invalidate }), { use: [admin] });
  const { store, sealer, now, webhookPolicy: policy, worker } = parts;
  router.mount(webhookRoutes({ store, sealer, now, policy, wake: () => worker?.webhooks?.wake() }), { use: [admin] });
  router.mount(eventStreamRoutes(parts.streams), { use: [admin] });
  router.mount(inboundAdminRoutes({ store, now }), { use: [admin] });
}
