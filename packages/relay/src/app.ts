import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import type { DestinationStream, Logger } from 'pino';
import type { Socket } from 'node:net';
import type { HttpServerLimits, RelayConfig } from './config.js';
import { createLogger } from './logger.js';
import type { Store } from './store/types.js';
import { createSqliteStore } from './store/sqlite/index.js';
import { insecureDataFiles } from './store/sqlite/database.js';
import { withReadCache } from './store/read-cache.js';
import { createSealer, type Sealer } from './crypto/sealer.js';
import { loadOrCreateMasterKey, MASTER_KEY_FILE } from './crypto/master-key.js';
import { createMemoryRateLimitStore, type RateLimitStore } from './store/rate-limits.js';
import { createWorker, type Worker, type WorkerOptions } from './jobs/worker.js';
import { createConnectorPool } from './features/connectors/connector-pool.js';
import { requestContext } from './http/platform/request-context.js';
import { createKeyCache } from './http/platform/authenticate.js';
import { createOriginDirectory, preflight } from './http/platform/origin.js';
import { apiAccess } from './http/platform/api-access.js';
import { errorHandler, notFound } from './http/platform/error-handler.js';
import { mountMessages } from './features/messages/routes.js';
import { hotRoutes } from './http/platform/hot-routes.js';
import type { TrustProxy } from './http/platform/request-info.js';
import { healthRouter } from './features/health/routes.js';
import { sdkRouter } from './features/sdk/routes.js';
import { AppError } from './domain/app-error.js';
import { hooksRouter } from './features/messages/hooks-routes.js';
import { recipientsRouter } from './features/recipients/routes.js';
import { DEMO_CONFIG_FILE, demoConfig } from './features/demo/routes.js';
import { ensureDemoProject, type DemoCredentials } from './features/demo/demo.js';
import { jwksHandler, verifyRouter } from './features/verify/routes.js';
import { deriveCodeKey } from './crypto/verify-code.js';
import { createTokenSigner } from './crypto/token-signer.js';
import type { CaptchaDeps, CaptchaProvider } from './features/verify/verify-captcha.js';
import { createProofOfWork, derivePowKey } from './features/verify/proof-of-work.js';
import { consoleOnPhoneChannels } from './features/connectors/console-on-phone-channels.js';

/** What tests and embedders may inject besides the config. */
export interface RelayDeps {
  /** The clock, in ms since epoch. @default Date.now */
  now?: () => number;
  /** Where logs go (tests capture them). @default stdout */
  logDestination?: DestinationStream;
  /** Where the console connector prints. @default stdout */
  consoleWrite?: (text: string) => void;
  /** Provider API base URLs by connector type (tests point them at local servers). */
  connectorBaseUrls?: Record<string, string>;
  /** Rate-limit counters. @default in memory */
  rateLimitStore?: RateLimitStore;
  /** Worker tuning (backoff, lease, poll). */
  worker?: Partial<Omit<WorkerOptions, 'store' | 'pool' | 'logger' | 'now'>>;
  /** How long key and origin lookups are cached. @default 2000 */
  cacheTtlMs?: number;
  /** CAPTCHA siteverify base URLs by provider (tests point them at a local server). */
  captchaBaseUrls?: Partial<Record<CaptchaProvider, string>>;
}

/** A relay built by `createRelay`: nothing listens until `listen`. */
export interface Relay {
  /** The Express app: every route. */
  app: Express;
  /** The relay's request listener: the hot routes (`http/hot-routes.ts`), then `app`. Serve this, not `app`. */
  handler: http.RequestListener;
  store: Store;
  worker: Worker | null;
  config: Readonly<RelayConfig>;
  sealer: Sealer;
  logger: Logger;
  /** True when this start created the master key file. */
  masterKeyCreated: boolean;
  /**
   * Creates the demo project when the store has none and returns its keys (shown once), or null.
   * Its public key — public by design, it is meant for page source — is kept in `demo.json` so
   * the demo page at `/` can use it.
   */
  ensureDemo(): Promise<DemoCredentials | null>;
  /** Forgets cached keys and origins (after this process changed them). */
  invalidateCaches(): void;
  /**
   * Listens (port 0 for an ephemeral one) and starts the worker; resolves with the base URL. Warns
   * once per project whose phone channels a console connector serves outside development.
   */
  listen(port?: number, host?: string): Promise<{ url: string; server: http.Server }>;
  /** Stops the server and worker and closes the store. */
  close(): Promise<void>;
}

/** Marks a socket that has not yet brought a request (its first-request idle timer runs). */
const awaitingFirstRequest = Symbol('awaitingFirstRequest');

/**
 * The HTTP server with explicit limits, so slow or silent clients cannot hold sockets.
 *
 * Node's server already answers 408 to a request whose headers (`headersTimeout`) or whole body
 * (`requestTimeout`) arrive too late — it counts a connection's headers time from its opening, so
 * a silent socket is covered too — but checks only every `connectionsCheckingInterval` (30 s by
 * default): the interval is derived here from the timeouts. What it lacks is a short limit for a
 * connection that sends nothing before its first request: the socket's idle timer does that,
 * from `connection` to the first `request` (it restarts on every byte received, so a trickle is
 * left to `headersTimeout`). Between requests, `keepAliveTimeout` applies.
 */
function createHttpServer(handler: http.RequestListener, limits: HttpServerLimits): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  server.on('connection', (socket: Socket & { [awaitingFirstRequest]?: boolean }) => {
    socket[awaitingFirstRequest] = true;
    // With no 'timeout' listener on the server or the request, Node's own handler destroys the socket.
    socket.setTimeout(limits.idleTimeoutMs);
  });
  server.on('request', (req: http.IncomingMessage) => {
    const socket = req.socket as Socket & { [awaitingFirstRequest]?: boolean };
    if (socket[awaitingFirstRequest]) {
      socket[awaitingFirstRequest] = false;
      socket.setTimeout(0);
    }
  });
  return server;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The relay's URL on `host`: the wildcard addresses (`0.0.0.0`, `::`) read as `localhost`; IPv6 in brackets. */
function baseUrlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/** Where the built client bundles are, when the client package is installed beside the relay. */
function clientDistDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('@messagejs/client/package.json');
    return path.join(path.dirname(pkg), 'dist');
  } catch {
    return null;
  }
}

/** The demo pages (examples/script-tag) in a source checkout; absent in a published install. */
function demoDir(): string | null {
  const dir = path.resolve(here, '../../../examples/script-tag');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

/**
 * Composes the relay: store, sealer, limits, worker and the Express app. Builds everything
 * without listening; only `listen` (or the CLI's `start`) touches a port.
 */
export async function createRelay(config: Readonly<RelayConfig>, deps: RelayDeps = {}): Promise<Relay> {
  const now = deps.now ?? Date.now;
  const logger = createLogger({
    level: config.logLevel,
    ...(deps.logDestination && { destination: deps.logDestination }),
  });
  const cacheTtlMs = deps.cacheTtlMs ?? 2000;
  // Checked before anything is opened or created: only the operator's own files can be open to others.
  const exposed = insecureDataFiles(config.dataDir, [MASTER_KEY_FILE]);
  if (exposed.length > 0) {
    logger.warn(
      { files: exposed },
      'data files are open to other users of this machine (the database holds message contents and recipients); the relay leaves them as they are: chmod 700 the data directory and 600 the files in it',
    );
  }
  const store = withReadCache(createSqliteStore(config.dataDir), { ttlMs: cacheTtlMs, now });
  const master = config.masterKey ? { key: config.masterKey, created: false } : loadOrCreateMasterKey(config.dataDir);
  const sealer = createSealer(master.key, config.oldMasterKeys);
  // Verification codes are kept as HMACs under a key of their own, derived from the master key.
  const codeKey = deriveCodeKey(master.key);
  const limits = deps.rateLimitStore ?? createMemoryRateLimitStore();
  // The relay's own CAPTCHA signs its challenges under another key derived from the master key.
  const captcha: CaptchaDeps = {
    sealer,
    pow: createProofOfWork({ key: derivePowKey(master.key), now }),
    logger,
    ...(deps.captchaBaseUrls && { captcha: { baseUrls: deps.captchaBaseUrls } }),
  };
  const pool = createConnectorPool({
    sealer,
    baseUrls: { ...config.connectorBaseUrls, ...deps.connectorBaseUrls },
    ...(deps.consoleWrite && { consoleWrite: deps.consoleWrite }),
  });
  const publicUrl = config.publicUrl;
  const worker = config.worker
    ? createWorker({
        store,
        pool,
        logger,
        now,
        concurrency: config.workerConcurrency,
        leaseMs: config.leaseMs,
        sealer,
        ...(publicUrl && { statusCallbackUrl: (id: string) => `${publicUrl}/v1/hooks/${id}/status` }),
        ...deps.worker,
      })
    : null;
  const keyCache = createKeyCache(store, { ttlMs: cacheTtlMs, now });
  const origins = createOriginDirectory(store, { ttlMs: cacheTtlMs, now });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  const context = requestContext({
    logger,
    helmet: {
      // The SDK bundles are loaded cross-origin by <script> tags; CORS protects the API itself.
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      // Relays often run on plain http on a LAN or localhost behind a TLS proxy; upgrading the
      // demo page's requests to https there would break it.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    },
  });
  app.use(context);
  const onError = errorHandler(logger);
  // Sends and status reads skip Express when their URL is an exact match (hot-routes.ts); on
  // the app they come first, so the other requests to them walk as few layers as possible.
  const hot = hotRoutes({ before: [context], onError, logger });
  // Read per request, as Express's own getters do, so a later `app.set('trust proxy', …)` holds everywhere.
  const trust: TrustProxy = (address, hop) => (app.get('trust proxy fn') as TrustProxy)(address, hop);
  const access = apiAccess({ cache: keyCache, now, origins, limits, trust });
  const onEnqueued = () => worker?.wake();
  // The verification tokens' `iss`: MESSAGEJS_PUBLIC_URL, else the URL `listen` resolved with,
  // else (served by an embedder's own server) the configured host and port. Never a Host header.
  let listenUrl: string | null = null;
  const issuer = () => publicUrl ?? listenUrl ?? baseUrlOf(config.host, config.port);
  mountMessages(app, hot, access, { store, limits, now, captcha, ...(worker && { dispatch: worker }) });
  app.use(
    '/v1/verify',
    access,
    verifyRouter({
      store,
      limits,
      sealer,
      codeKey,
      signer: createTokenSigner(),
      now,
      logger,
      issuer,
      pow: captcha.pow,
      ...(captcha.captcha && { captcha: captcha.captcha }),
      onEnqueued,
    }),
  );
  app.use('/v1/recipients', access, recipientsRouter());
  // CORS preflights carry no key: answered for the origins some project allows, refused otherwise
  // (cors() passes those on), without CORS headers.
  app.options('/v1/{*path}', preflight(origins), (req, _res, next) => {
    next(new AppError('origin_not_allowed', `Origin ${req.get('origin') ?? '(none)'} is not allowed.`));
  });
  app.use(healthRouter({ store, worker, now }));
  app.use('/sdk', sdkRouter({ distDir: clientDistDir() }));
  app.use('/v1/hooks', hooksRouter({ store, pool, publicUrl, now, logger }));
  // Public (no key): a project's token-verification keys, for the developer's backend.
  app.get('/v1/projects/:projectId/jwks.json', jwksHandler({ store, sealer, now }));

  app.get('/demo/config.json', demoConfig(config.dataDir));
  const demoPages = demoDir();
  if (demoPages) app.use(express.static(demoPages, { index: 'index.html', extensions: ['html'] }));
  app.use(notFound());
  app.use(onError);
  const handler: http.RequestListener = (req, res) => {
    if (!hot.handle(req, res)) app(req, res);
  };

  let server: http.Server | null = null;
  return {
    app,
    handler,
    store,
    worker,
    config,
    sealer,
    logger,
    masterKeyCreated: master.created,
    async ensureDemo() {
      const demo = await ensureDemoProject(store, sealer, now());
      if (demo) {
        const file = path.join(config.dataDir, DEMO_CONFIG_FILE);
        fs.writeFileSync(
          file,
          `${JSON.stringify({ projectId: demo.projectId, publicKey: demo.publicKey, templates: demo.templates }, null, 2)}\n`,
          { mode: 0o644 },
        );
      }
      return demo;
    },
    invalidateCaches() {
      keyCache.clear();
      origins.clear();
    },
    async listen(port = config.port, host = config.host) {
      server = createHttpServer(handler, config.http);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      worker?.start();
      for (const { projectId, projectName, channels } of await consoleOnPhoneChannels(store)) {
        logger.warn(
          { projectId, project: projectName, channels },
          'a console connector serves phone channels of a project that is not a development project: its messages reach nobody and codes are printed masked',
        );
      }
      const address = server.address() as { port: number };
      listenUrl = baseUrlOf(host, address.port);
      return { url: listenUrl, server };
    },
    async close() {
      if (server) {
        const s = server;
        server = null;
        s.closeIdleConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await worker?.stop();
      await pool.close();
      await store.close();
      logger.flush?.();
    },
  };
}
