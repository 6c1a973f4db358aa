import type { Route } from '../../http/platform/route.js';
import { connectorRoutes } from '../connectors/routes.js';
import { optOutRoutes } from '../recipients/opt-out-routes.js';
import { contactsAdminRoutes } from '../contacts/routes.js';
import { keyRoutes } from './key-routes.js';
import type { ProjectAdminDeps } from './route-deps.js';
import { projectRoutes } from './routes.js';
import { settingsRoutes } from './settings-routes.js';

export type { ProjectAdminDeps };
export { createKeysLastUsed } from './keys-last-used.js';

/**
 * The admin API of projects (issue 12): the projects, their settings, keys, connectors and
 * opt-outs, and the connector types. `app.ts` mounts them behind the admin access step.
 */
export function projectAdminRoutes(deps: ProjectAdminDeps): Route[] {
  return [
    ...projectRoutes(deps),
    ...settingsRoutes(deps),
    ...keyRoutes(deps),
    ...connectorRoutes(deps),
    ...optOutRoutes(deps),
    ...contactsAdminRoutes(deps),
  ];
}
