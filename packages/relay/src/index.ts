/** The relay's programmatic API: build a relay, read its config, and the types around them. */
export { createRelay } from './app.js';
export type { Relay, RelayDeps } from './app.js';
export { loadConfig, ConfigError } from './config.js';
export type { RelayConfig, HttpServerLimits } from './config.js';
export { ensureDemoProject, DEMO } from './core/demo.js';
export type { DemoCredentials } from './core/demo.js';
export {
  createKey,
  createProject,
  setCountries,
  setFallbacks,
  setLimits,
  setNumberTypes,
  setPrices,
  updateOrigins,
} from './core/admin.js';
export { addConnector } from './core/admin-connectors.js';
export { saveTemplate } from './core/admin-templates.js';
export { cliActor, systemActor } from './core/actor.js';
export type { Actor } from './core/actor.js';
export { HttpError } from './core/http-error.js';
export { setVerifySettings, defaultVerifySettings } from './core/verify/verify-settings.js';
export type { VerifySettingsPatch } from './core/verify/verify-settings.js';
export { ensureSigningKey, rotateSigningKey } from './core/verify/signing-keys.js';
export { ConnectorError } from './connectors/types.js';
export type {
  Connector,
  ConnectorDefinition,
  OutboundMessage,
  SendContext,
  SendResult,
  StatusUpdate,
  WebhookRequest,
} from './connectors/types.js';
export { connectorRegistry } from './connectors/registry.js';
export type { Repositories, Store, UnitOfWork } from './store/types.js';
