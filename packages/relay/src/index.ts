/** The relay's programmatic API: build a relay, read its config, and the types around them. */
export { createRelay } from './app.js';
export type { Relay, RelayDeps } from './app.js';
export { loadConfig, ConfigError } from './config.js';
export type { RelayConfig, HttpServerLimits } from './config.js';
export { ensureDemoProject, DEMO } from './features/demo/demo.js';
export type { DemoCredentials } from './features/demo/demo.js';
export {
  createKey,
  createProject,
  setCountries,
  setFallbacks,
  setLimits,
  setNumberTypes,
  setPrices,
  updateOrigins,
} from './features/projects/admin.js';
export { addConnector } from './features/connectors/admin-connectors.js';
export { saveTemplate } from './features/templates/admin-templates.js';
export { cliActor, systemActor } from './domain/actor.js';
export type { Actor } from './domain/actor.js';
export { AppError } from './domain/app-error.js';
export { setVerifySettings, defaultVerifySettings } from './features/verify/verify-settings.js';
export type { VerifySettingsPatch } from './features/verify/verify-settings.js';
export { ensureSigningKey, rotateSigningKey } from './features/verify/signing-keys.js';
export { ConnectorError } from './providers/types.js';
export type {
  Connector,
  ConnectorDefinition,
  OutboundMessage,
  SendContext,
  SendResult,
  StatusUpdate,
  WebhookRequest,
} from './providers/types.js';
export { connectorRegistry } from './providers/registry.js';
export { verifyWebhook, WebhookVerificationError } from './features/webhooks/signing.js';
export type { Repositories, Store, UnitOfWork } from './store/types.js';
export type { Method, Route, RouteDoc } from './http/platform/route.js';
