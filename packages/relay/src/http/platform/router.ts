import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../../domain/app-error.js';
import type { HttpMetrics, RouteObserver } from '../../metrics/relay-metrics.js';
import type { ApiRequest, ApiResponse, ErrorHandler, Handler } from './handler.js';
import { withoutQuery, type TrustProxy } from './request-info.js';
import { RouteRequest, writeReply, type Route } from './route.js';
import { localsOf } from './locals.js';

/**
 * Runs the API's routes (`route.ts`), each mounted two ways with the same chain: on Node's own
 * request and response when the URL is an exact match (the fast way), and on the Express app for
 * every other spelling (another case, a trailing slash, `HEAD`, a percent-encoded parameter, a
 * `#`), so an answer never depends on the way its request took. Route authors see neither: they
 * write a `Route`, which reads a `RouteRequest` and returns a `Reply` (docs/adr/0010).
 *
 * Why two ways: Express 5 re-parents every request and response onto its own prototypes, and the
 * reshaped objects cost the relay about half its CPU per send (docs/adr/0001, BENCHMARKS.md).
 * The fast way follows Express 5's chain rules: a rejected promise or a throw goes to the error
 * handler, `next('route')` or a chain that runs out answers 404 `not_found`. (Express's router
 * tracing events are not emitted on it.)
 */
export interface Router {
  /** Mounts routes, each behind `use` (e.g. the API's access step) and then its own middleware. */
  mount(routes: readonly Route[], options?: { use?: readonly Handler[] }): void;
  /** Answers the request the fast way when it matches a route exactly and returns true; false leaves it untouched. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Every route mounted so far, in mounting order: the registry the OpenAPI document is built from. */
  routes(): readonly Route[];
}

interface FastRoute {
  method: string;
  /** Literal segments, or null where a parameter goes. */
  segments: Array<string | null>;
  params: string[];
  chain: readonly Handler[];
  /** The route's metrics, bound once; null when metrics are off. */
  observer: RouteObserver | null;
}

/** On the Express way, names the route's metrics for the request log (`request-context.ts`). */
function observedBy(observer: RouteObserver): Handler {
  return function routeMetrics(_req, res, next) {
    localsOf(res).route = observer;
    next();
  };
}

/** The handler at the end of a route's chain: runs the route and writes its reply. */
function endpoint(route: Route, trust: TrustProxy): Handler {
  return async function routeHandler(req, res) {
    // Only a streamed reply is written asynchronously: the others cost no extra turn.
    const streaming = writeReply(res, await route.handle(new RouteRequest(req, res, trust)));
    if (streaming) await streaming;
  };
}

/** A URL's parameters when its segments match the route's, else null (a parameter with `%` goes to Express, which decodes it). */
function match(route: FastRoute, parts: string[]): Record<string, string> | null {
  if (parts.length !== route.segments.length) return null;
  for (let i = 0; i < parts.length; i++) {
    const literal = route.segments[i];
    const part = parts[i]!;
    if (literal === null ? part === '' || part.includes('%') : part !== literal) return null;
  }
  const params: Record<string, string> = {};
  let p = 0;
  for (let i = 0; i < parts.length; i++) if (route.segments[i] === null) params[route.params[p++]!] = parts[i]!;
  return params;
}

/** Runs a chain the way Express 5 does. */
function run(chain: readonly Handler[], req: ApiRequest, res: ApiResponse, onError: ErrorHandler, logger: Logger) {
  let index = 0;
  // With the answer already on its way (or the error handler itself failing), the connection
  // can only be cut, as Express's final handler does; the error is logged first.
  const cut = (error: unknown) => {
    logger.error(
      { err: error, requestId: res.locals.requestId, method: req.method },
      'error after the answer was sent',
    );
    req.socket.destroy();
  };
  const fail = (error: unknown) => {
    try {
      onError(error, req, res, cut);
    } catch (thrown) {
      cut(thrown);
    }
  };
  const notFound = () => fail(new AppError('not_found', `No route for ${req.method} ${req.url}.`));
  const next = (error?: unknown): void => {
    if (error === 'route' || error === 'router') return notFound();
    if (error) return fail(error);
    const handler = chain[index++];
    if (!handler) return notFound();
    try {
      const result = handler(req, res, next);
      if (result instanceof Promise)
        result.then(undefined, (reason: unknown) => next(reason || new Error('Rejected promise')));
    } catch (thrown) {
      next(thrown);
    }
  };
  next();
}

export function createRouter(options: {
  app: Express;
  /** What runs first on the fast way; on the app, the same middleware is `app.use`d before the routes. */
  before: readonly Handler[];
  onError: ErrorHandler;
  logger: Logger;
  trust: TrustProxy;
  /** Counts each answer under its route's pattern (never the URL). */
  metrics?: HttpMetrics | null;
}): Router {
  const fast: FastRoute[] = [];
  const mounted: Route[] = [];
  const { app, onError, logger } = options;
  return {
    routes: () => mounted,
    mount(routes, mountOptions = {}) {
      for (const route of routes) {
        mounted.push(route);
        const chain = [...(mountOptions.use ?? []), ...(route.use ?? []), endpoint(route, options.trust)];
        const names = route.path.split('/');
        const observer = options.metrics?.route(route.method, route.path) ?? null;
        fast.push({
          method: route.method,
          segments: names.map((s) => (s.startsWith(':') ? null : s)),
          params: names.filter((s) => s.startsWith(':')).map((s) => s.slice(1)),
          chain: [...options.before, ...chain],
          observer,
        });
        const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
        const slow = observer ? [observedBy(observer), ...chain] : chain;
        app[method](route.path, ...(slow as Parameters<Express['get']>[1][]));
      }
    },
    handle(req, res) {
      const url = req.url ?? '/';
      // Express parses such URLs another way (the fragment dropped): left to it.
      if (url.includes('#')) return false;
      const parts = withoutQuery(url).split('/');
      for (const route of fast) {
        if (route.method !== req.method) continue;
        const params = match(route, parts);
        if (!params) continue;
        const request = req as ApiRequest;
        const response = res as ApiResponse;
        request.params = params;
        response.locals = Object.create(null) as Record<string, unknown>;
        if (route.observer) localsOf(response).route = route.observer;
        run(route.chain, request, response, onError, logger);
        return true;
      }
      return false;
    },
  };
}
