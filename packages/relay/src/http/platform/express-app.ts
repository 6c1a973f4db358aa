import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { HttpMetrics } from '../../metrics/relay-metrics.js';
import type { Handler } from './handler.js';
import { requestContext } from './request-context.js';
import type { TrustProxy } from './request-info.js';

/**
 * The relay's Express app with its settings and the first middleware of every request (request
 * id, security headers, request log), and the `trust proxy` function every route reads.
 */
export function expressApp(options: { logger: Logger; trustProxy: string; metrics?: HttpMetrics | null }): {
  app: Express;
  context: Handler;
  trust: TrustProxy;
} {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);
  app.set('etag', false);
  const context = requestContext({
    logger: options.logger,
    metrics: options.metrics ?? null,
    helmet: {
      // The SDK bundles are loaded cross-origin by <script> tags; CORS protects the API itself.
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      // Relays often run on plain http on a LAN or localhost behind a TLS proxy; upgrading the
      // demo page's requests to https there would break it.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    },
  });
  app.use(context);
  // Read per request, as Express's own getters do, so a later `app.set('trust proxy', …)` holds everywhere.
  const trust: TrustProxy = (address, hop) => (app.get('trust proxy fn') as TrustProxy)(address, hop);
  return { app, context, trust };
}
