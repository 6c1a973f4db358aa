import http from 'node:http';
import type { ErrorBody } from '@messagejs/shared-types';
import type { HttpServerLimits } from '../../config.js';
import { AppError } from '../../domain/app-error.js';
import { sameSecret } from '../../crypto/tokens.js';
import type { RelayMetrics } from '../../metrics/relay-metrics.js';
import { withoutQuery } from './request-info.js';
import { sendJson } from './send-json.js';
import { baseUrlOf, createHttpServer } from './server.js';

/** The Bearer token of a request, if any. */
function bearerOf(req: http.IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

/**
 * Throws `401 unauthorized` unless the request carries `Authorization: Bearer <token>` with the
 * metrics token (`MESSAGEJS_METRICS_TOKEN`), compared in constant time.
 */
export function requireMetricsToken(req: http.IncomingMessage, token: string): void {
  const given = bearerOf(req);
  if (given === undefined || !sameSecret(given, token)) {
    throw new AppError('unauthorized', 'Pass `Authorization: Bearer <MESSAGEJS_METRICS_TOKEN>`.');
  }
}

/** An error answer of the metrics listener, in the API's error shape. */
function refuse(res: http.ServerResponse, status: number, code: 'not_found' | 'unauthorized', message: string): void {
  const body: ErrorBody = { error: { code, message } };
  sendJson(res, status, body);
}

/**
 * What the metrics port (`MESSAGEJS_METRICS_PORT`) serves: `GET /metrics` and nothing else (`404
 * not_found`), asking for the token too when one is set. Kept apart from the relay's routes, so a
 * scraper on a private interface never reaches the API.
 */
export function metricsOnly(options: { metrics: RelayMetrics; token: string | null }): http.RequestListener {
  return function metricsOnlyListener(req, res) {
    if (withoutQuery(req.url ?? '/') !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      return refuse(res, 404, 'not_found', 'This listener serves only GET /metrics.');
    }
    if (options.token !== null) {
      try {
        requireMetricsToken(req, options.token);
      } catch (error) {
        return refuse(res, 401, 'unauthorized', (error as Error).message);
      }
    }
    options.metrics.exposition().then(
      ({ text, contentType }) => {
        res.writeHead(200, {
          'Content-Type': contentType,
          'Content-Length': Buffer.byteLength(text),
          'Cache-Control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  };
}

/** A started metrics listener: its URL, and how to stop it. */
export interface MetricsListener {
  url: string;
  close: () => Promise<void>;
}

/** Serves `metricsOnly` on `host:port` with the relay's connection limits; resolves once it listens. */
export async function listenMetrics(
  listener: http.RequestListener,
  where: { host: string; port: number },
  limits: HttpServerLimits,
): Promise<MetricsListener> {
  const server = createHttpServer(listener, limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => resolve());
  });
  return {
    url: baseUrlOf(where.host, (server.address() as { port: number }).port),
    close: () => {
      server.closeIdleConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
