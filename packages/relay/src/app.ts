import path from 'node:path';
import type http from 'node:http';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { RelayConfig } from './config.js';
import { createLogger } from './logger.js';
import type { Store } from './store/types.js';
import { openStore } from './store/open-store.js';
import { warnAboutOpenDataFiles } from './store/sqlite/database.js';
import { createReadCache, type ReadCache } from './store/read-cache.js';
import type { RateLimitStore } from './store/rate-limits.js';
import type { SharedState } from './store/shared-state.js';
import { openSharedState } from './store/redis/index.js';
import { createSealer, type Sealer } from './crypto/sealer.js';
import { loadOrCreateMasterKey, MASTER_KEY_FILE } from './crypto/master-key.js';
import { createTokenSigner } from './crypto/token-signer.js';
import { AppError } from './domain/app-error.js';
import { systemActor } from './domain/actor.js';
import { workerFor, type Worker } from './jobs/worker.js';
import { createConnectorPool, type ConnectorPool } from './features/connectors/connector-pool.js';
import { consoleOnPhoneChannels } from './features/connectors/console-on-phone-channels.js';
import { messageRoutes } from './features/messages/routes.js';
import { analyticsRoutes } from './features/analytics/routes.js';
import { providerHookRoutes } from './features/messages/hooks-routes.js';
import { verifyRoutes, jwksRoutes } from './features/verify/routes.js';
import { verifySessionRoutes } from './features/verify/session-routes.js';
import { inboundRoutes } from './features/inbound/routes.js';
import type { CaptchaDeps } from './features/verify/verify-captcha.js';
import { createProofOfWork, derivePowKey } from './features/verify/proof-of-work.js';
import { recipientsRoutes } from './features/recipients/routes.js';
import { healthRoutes } from './features/health/routes.js';
import { demoRoutes } from './features/demo/routes.js';
import { demoDir, writeDemoConfig } from './features/demo/demo-files.js';
import { demoOrigins, ensureDemoProject } from './features/demo/demo.js';
import { expressApp } from './http/platform/express-app.js';
import { createKeyCache, type KeyCache } from './http/platform/authenticate.js';
import { originRefusals, preflight } from './http/platform/origin.js';
import { apiAccess } from './http/platform/api-access.js';
import { errorHandler, notFound } from './http/platform/error-handler.js';
import { createRouter } from './http/platform/router.js';
import { clientDistDir, sdkAssets } from './http/platform/sdk-assets.js';
import { baseUrlOf, createHttpServer } from './http/platform/server.js';
import { adminAccess } from './http/platform/admin-access.js';
import { sameOriginOnly } from './http/platform/csrf.js';
import { deriveKeys } from './crypto/derived-keys.js';
import { createAccounts } from './features/accounts/create-accounts.js';
import type { AccountsDeps } from './features/accounts/deps.js';
import { createPrincipalResolver } from './features/accounts/resolve-principal.js';
import { mintSetupLink } from './features/accounts/setup.js';
import { templateRoutes } from './features/templates/routes.js';
import { auditRoutes } from './features/audit/routes.js';
import { docsRoutes } from './http/platform/docs.js';
import type { Route } from './http/platform/route.js';
import type { LastUsed } from './features/accounts/last-used.js';
import { createKeysLastUsed } from './features/projects/admin-routes.js';
import { mountAdmin } from './app/admin.js';
import type { TargetPolicy } from './features/webhooks/target-policy.js';
import { webhookSetup } from './app/webhooks.js';
import { createEventStreams, type EventStreams } from './features/webhooks/event-stream.js';
import { createImportRunner, type ImportRunner } from './features/contacts/import/runner.js';
import { createOperations, RELAY_VERSION, type Operations } from './app/operations.js';

import type { Relay, RelayDeps } from './app/types.js';

export type { Relay, RelayDeps };

/** What the relay's parts share: built once by `openParts`, wired by `buildApp` and `relayOf`. */
export interface Parts {
  config: Readonly<RelayConfig>;
  now: () => number;
  logger: Logger;
  store: Store;
  sealer: Sealer;
  masterKeyCreated: boolean;
  /** Verification codes, CSRF tokens and history cursors are HMACs under keys of their own (`deriveKeys`). */
  codeKey: Buffer;
  csrfKey: Buffer;
  cursorKey: Buffer;
  limits: RateLimitStore;
  captcha: CaptchaDeps;
  pool: ConnectorPool;
  /** Provider API base URLs by connector type (config and injected overrides). */
  connectorBaseUrls: Record<string, string>;
  worker: Worker | null;
  keyCache: KeyCache;
  readCache: ReadCache;
  /** Keys' last-used times, written in batches off the request path. */
  keysLastUsed: LastUsed;
  /** What relays share through Redis (limits, locks, spent challenges, invalidation), or this process's own. */
  shared: SharedState;
  /** Metrics and the relay's status (`app/operations.ts`). */
  ops: Operations;
  /** Where webhooks may go (`MESSAGEJS_ALLOW_PRIVATE_TARGETS`, `MESSAGEJS_ALLOW_HTTP_WEBHOOKS`). */
  webhookPolicy: TargetPolicy;
  streams: EventStreams; // live event streams: `close` ends them first, else the server would wait on them
  imports: ImportRunner; // contacts' CSV imports running in the background (resumed on `listen`)
}

/** Opens the store and keys and builds the services every route and job uses. */
async function openParts(
  config: Readonly<RelayConfig>,
  deps: RelayDeps,
  logger: Logger,
  shared: SharedState,
): Promise<Parts> {
  const now = deps.now ?? Date.now;
  const cacheTtlMs = deps.cacheTtlMs ?? 2000;
  // Checked before anything is opened or created.
  warnAboutOpenDataFiles(config.dataDir, [MASTER_KEY_FILE], logger);
  const opened = await openStore(config, logger);
  const readCache = createReadCache(opened, { ttlMs: cacheTtlMs, now, onChange: shared.announce });
  const { store } = readCache;
  const master = config.masterKey ? { key: config.masterKey, created: false } : loadOrCreateMasterKey(config.dataDir);
  const sealer = createSealer(master.key, config.oldMasterKeys);
  // The relay's own CAPTCHA signs its challenges under another key derived from the master key.
  const captcha: CaptchaDeps = {
    sealer,
    pow: createProofOfWork({ key: derivePowKey(master.key), now, spent: shared.spent }),
    logger,
    ...(deps.captchaBaseUrls && { captcha: { baseUrls: deps.captchaBaseUrls } }),
  };
  const connectorBaseUrls = { ...config.connectorBaseUrls, ...deps.connectorBaseUrls };
  const pool = createConnectorPool({
    sealer,
    baseUrls: connectorBaseUrls,
    ...(deps.consoleWrite && { consoleWrite: deps.consoleWrite }),
  });
  const ops = createOperations(config, now);
  const hooks = webhookSetup(config, { store, now, logger });
  const worker = workerFor(
    config,
    { store, pool, logger, now, sealer, metrics: ops.metrics, webhooks: hooks.worker },
    deps.worker,
  );
  ops.watch({ store, worker, now });
  const keyCache = createKeyCache(store, { ttlMs: cacheTtlMs, now });
  // Another relay changed keys, projects or settings (or announcements may have been missed).
  shared.onInvalidate(() => {
    keyCache.clear();
    readCache.forgetAll();
  });
  return {
    config,
    now,
    logger,
    store,
    sealer,
    masterKeyCreated: master.created,
    ...deriveKeys(master.key),
    limits: ops.countRefusals(deps.rateLimitStore ?? shared.limits),
    captcha,
    pool,
    connectorBaseUrls,
    worker,
    keyCache,
    readCache,
    keysLastUsed: createKeysLastUsed(store, deps.lastUsedFlushMs),
    shared,
    ops,
    webhookPolicy: hooks.policy,
    streams: createEventStreams({ store, logger, tuning: deps.eventStream }),
    imports: createImportRunner({ store, dir: path.join(config.dataDir, 'imports'), logger, now }),
  };
}

/**
 * The app and its routes; returns the request listener. `issuer` names the relay in the
 * verification tokens it signs.
 */
function buildApp(
  parts: Parts,
  issuer: () => string,
  accounts: AccountsDeps,
): { app: Express; handler: http.RequestListener; routes: () => readonly Route[] } {
  const { config, store, sealer, limits, captcha, worker, now, logger, cursorKey } = parts;
  const { metrics } = parts.ops;
  const httpMetrics = metrics.enabled ? metrics.http : null;
  const { app, context, trust } = expressApp({ logger, trustProxy: config.trustProxy, metrics: httpMetrics });
  const onError = errorHandler(logger);
  const router = createRouter({ app, before: [context], onError, logger, trust, metrics: httpMetrics });
  // Every `/v1` API route sits behind the same access step: key, origin rules, request limits.
  const refusals = originRefusals({ logger, now });
  const onKeyUsed = (keyId: string, at: number) => parts.keysLastUsed.touch(keyId, at);
  const keyAccess = { cache: parts.keyCache, now, limits, trust, refusals, onKeyUsed };
  const access = apiAccess(keyAccess);
  const resolve = createPrincipalResolver(accounts);
  // Sends and message reads also take admin credentials; the key's branch stays first.
  const messageAccess = apiAccess({ ...keyAccess, admin: { resolve, store, publicUrl: config.publicUrl } });
  const dispatch = worker ? { dispatch: worker } : {};
  const locks = parts.shared.locks;
  // What the send paths share; each counts the messages it accepts (or the callbacks report).
  const common = { store, now, logger, metrics: metrics.messages };
  const verify = { ...common, limits, sealer, codeKey: parts.codeKey, signer: createTokenSigner(), locks };
  const onEnqueued = () => worker?.wake();
  const captchaOptions = { pow: captcha.pow, ...(captcha.captcha && { captcha: captcha.captcha }) };
  const sends = { ...common, limits, captcha, locks, cursorKey, webhookPolicy: parts.webhookPolicy, ...dispatch };
  const circuits = worker && { circuits: () => worker.connectorHealth() };
  const keyRoutes = [
    { routes: [...messageRoutes(sends), ...analyticsRoutes({ store, now, ...circuits })], use: messageAccess },
    // The verification sessions' and inbound histories take members and admin tokens too, as the message history.
    { routes: verifySessionRoutes({ store, cursorKey, now }), use: messageAccess },
    { routes: inboundRoutes({ store, cursorKey }), use: messageAccess },
    { routes: verifyRoutes({ ...verify, issuer, ...captchaOptions, onEnqueued }), use: access },
    { routes: recipientsRoutes(), use: access },
  ];
  for (const { routes, use } of keyRoutes) router.mount(routes, { use: [use] });
  // CORS preflights carry no key: answered for any origin on the routes that take a project key
  // (each request is then checked against its own project); refused elsewhere, without CORS
  // headers (the management routes take no cross-origin calls).
  const keyPaths = [...new Set(keyRoutes.flatMap(({ routes }) => routes.map((route) => route.path)))];
  app.options(keyPaths, preflight());
  app.options('/v1/{*path}', (req, _res, next) => {
    next(new AppError('origin_not_allowed', `Origin ${req.get('origin') ?? '(none)'} is not allowed here.`));
  });
  // Public routes: no key (health, provider webhooks with their own signatures, token keys, the demo).
  router.mount(healthRoutes({ store, worker, now, redis: parts.shared.status }));
  const hooks = { ...common, pool: parts.pool, publicUrl: config.publicUrl, onEnqueued };
  router.mount(providerHookRoutes({ ...hooks, onInboundEvent: () => worker?.webhooks?.wake() }));
  router.mount(jwksRoutes({ store, sealer, now }));
  router.mount(demoRoutes(config.dataDir));
  const admin = adminAccess({ resolve, csrfKey: parts.csrfKey, trust, publicUrl: config.publicUrl });
  mountAdmin(router, accounts, parts, admin, sameOriginOnly({ trust, publicUrl: config.publicUrl }));
  router.mount([...templateRoutes({ store, now }), ...auditRoutes({ store })], { use: [admin] });
  router.mount(parts.ops.routes({ store, worker, now, shared: parts.shared, admin }));
  router.mount(
    docsRoutes({ routes: () => router.routes(), info: { title: 'MessageJS relay', version: RELAY_VERSION } }),
  );
  app.use('/sdk', sdkAssets({ distDir: clientDistDir() }));
  const demoPages = demoDir();
  if (demoPages) app.use(express.static(demoPages, { index: 'index.html', extensions: ['html'] }));
  app.use(notFound());
  app.use(onError);
  const handler: http.RequestListener = (req, res) => {
    if (!router.handle(req, res)) app(req, res);
  };
  return { app, handler, routes: () => router.routes() };
}

/**
 * Composes the relay: store, sealer, limits, worker and the Express app. Builds everything
 * without listening; only `listen` (or the CLI's `start`) touches a port.
 */
export async function createRelay(config: Readonly<RelayConfig>, deps: RelayDeps = {}): Promise<Relay> {
  const logger = createLogger({
    level: config.logLevel,
    ...(deps.logDestination && { destination: deps.logDestination }),
  });
  const shared = await openSharedState({
    redisUrl: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    logger,
    now: deps.now ?? Date.now,
    ...deps.redis,
  });
  // Open connections would keep the process alive after a failed start.
  const parts = await openParts(config, deps, logger, shared).catch((error: unknown) =>
    shared.close().then(() => Promise.reject(error as Error)),
  );
  // The verification tokens' `iss`: MESSAGEJS_PUBLIC_URL, else the URL `listen` resolved with,
  // else (served by an embedder's own server) the configured host and port. Never a Host header.
  let listenUrl: string | null = null;
  const issuer = () => config.publicUrl ?? listenUrl ?? baseUrlOf(config.host, config.port);
  const accounts = createAccounts({
    ...parts,
    issuer,
    signup: config.signup,
    ...(deps.passwordHashing && { passwordCost: deps.passwordHashing }),
    onEnqueued: () => parts.worker?.wake(),
    makeLimiter: shared.makeLimiter,
  });
  return relayOf(parts, accounts, buildApp(parts, issuer, accounts), (url) => (listenUrl = url));
}

/** The `Relay` over its parts: listening, the demo, caches and closing. */
function relayOf(
  parts: Parts,
  accounts: AccountsDeps,
  { app, handler, routes }: { app: Express; handler: http.RequestListener; routes: () => readonly Route[] },
  onListening: (url: string) => void,
): Relay {
  const { config, store, worker, sealer, logger, now } = parts;
  let server: http.Server | null = null;
  return {
    app,
    routes,
    handler,
    store,
    worker,
    config,
    sealer,
    logger,
    masterKeyCreated: parts.masterKeyCreated,
    imports: parts.imports,
    async ensureDemo() {
      const demo = await ensureDemoProject(store, sealer, now(), systemActor, demoOrigins(config.port));
      if (demo) writeDemoConfig(config.dataDir, demo);
      return demo;
    },
    setupLink: () => mintSetupLink(accounts),
    async invalidateCaches() {
      parts.keyCache.clear();
      parts.readCache.forgetAll();
      await parts.shared.announce();
    },
    async listen(port = config.port, host = config.host) {
      server = createHttpServer(handler, config.http);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      await parts.ops.listen(config.http);
      worker?.start();
      await parts.imports.resume();
      accounts.passwords.warmUp();
      for (const { projectId, projectName, channels } of await consoleOnPhoneChannels(store)) {
        logger.warn(
          { projectId, project: projectName, channels },
          'a console connector serves phone channels of a project that is not a development project: its messages reach nobody and codes are printed masked',
        );
      }
      const url = baseUrlOf(host, (server.address() as { port: number }).port);
      onListening(url);
      return { url, server };
    },
    listenMetrics: () => parts.ops.listen(config.http),
    async close() {
      await parts.streams.close();
      await parts.imports.close();
      if (server) {
        const s = server;
        server = null;
        s.closeIdleConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await parts.ops.close();
      await worker?.stop();
      await accounts.lastUsed.close();
      await parts.keysLastUsed.close();
      await parts.pool.close();
      await store.close();
      await parts.shared.close();
      logger.flush?.();
    },
  };
}
