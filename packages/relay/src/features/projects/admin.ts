/**
 * Project administration (projects, keys, origins, countries, number types, limits, prices,
 * fallbacks) shared by the CLI and the admin API, one file per aggregate. Every function that
 * changes something takes the `Actor` making the change, checks what its principal may do, and
 * writes the change to the audit log itself; templates and connectors do the same in
 * `admin-templates.ts` and `admin-connectors.ts`.
 */
export { requireProject, projectFor } from './require-project.js';
export {
  createFirstProject,
  createProject,
  createProjectFromRequest,
  deleteProject,
  getProject,
  listProjects,
  pageProjects,
  projectInputSchema,
  updateProject,
} from './projects.js';
export {
  limitsSchema,
  normaliseOrigin,
  priceTableSchema,
  readSettings,
  setCountries,
  setDevelopment,
  setFallbacks,
  setLimits,
  setNumberTypes,
  setPrices,
  setQuietHours,
  showPrices,
  updateOrigins,
} from './settings.js';
export {
  createKey,
  createKeyFromRequest,
  getKey,
  listKeys,
  pageKeys,
  revokeKey,
  rotateKey,
  updateKey,
} from './keys.js';
export { keyView, projectView } from './views.js';
