import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AppError } from '../../domain/app-error.js';
import type { ApiRequest, ApiResponse, ErrorHandler, Handler } from './handler.js';
import { withoutQuery } from './request-info.js';

/**
 * The relay's hottest requests (a send, a status read) answered on Node's own request and
 * response; everything else goes to Express.
 *
 * Express 5 re-parents every request and response onto its own prototypes
 * (`Object.setPrototypeOf` in `app.handle`). V8 then reshapes both objects, and property access
 * throughout Node's HTTP code meets shapes it has not cached: on `POST /v1/messages` this cost
 * about half of the relay's CPU per request (BENCHMARKS.md, session 3). The routes here run
 * the very handlers Express runs for them (same chain, same error handler); that is why those
 * handlers use Node's API and `request-info.ts`, never Express's additions.
 *
 * Only exact matches take this way: another method (HEAD included), case, a trailing slash, a
 * percent-encoded parameter or a URL with a `#` goes to Express, where the same routes are
 * mounted, so an answer never depends on the way its request took. The chain follows Express 5's
 * rules: a rejected promise or a throw goes to the error handler, `next('route')` or a chain
 * that runs out answers 404 `not_found`. (Express's router tracing events are not emitted here.)
 */
export interface HotRoutes {
  /** Adds a route; `path` is literal segments and `:name` segments (one parameter each). */
  add(method: 'GET' | 'POST', path: string, handlers: readonly Handler[]): void;
  /** Answers the request when it matches a route and returns true; false leaves it untouched. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

interface Route {
  method: string;
  /** Literal segments, or null where a parameter goes. */
  segments: Array<string | null>;
  params: string[];
  chain: readonly Handler[];
}

export function hotRoutes(options: { before: readonly Handler[]; onError: ErrorHandler; logger: Logger }): HotRoutes {
  const routes: Route[] = [];

  function match(route: Route, parts: string[]): Record<string, string> | null {
    if (parts.length !== route.segments.length) return null;
    const params: Record<string, string> = {};
    let p = 0;
    for (let i = 0; i < parts.length; i++) {
      const literal = route.segments[i];
      const part = parts[i]!;
      if (literal === null) {
        // Express decodes parameters (and answers 400 to a bad encoding): left to it.
        if (part === '' || part.includes('%')) return null;
        params[route.params[p++]!] = part;
      } else if (part !== literal) {
        return null;
      }
    }
    return params;
  }

  function run(chain: readonly Handler[], req: ApiRequest, res: ApiResponse): void {
    let index = 0;
    // With the answer already on its way (or the error handler itself failing), the connection
    // can only be cut, as Express's final handler does; the error is logged first.
    const cut = (error: unknown) => {
      options.logger.error(
        { err: error, requestId: res.locals.requestId, method: req.method },
        'error after the answer was sent',
      );
      req.socket.destroy();
    };
    const fail = (error: unknown) => {
      try {
        options.onError(error, req, res, cut);
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

  return {
    add(method, path, handlers) {
      const names = path.split('/');
      const segments = names.map((s) => (s.startsWith(':') ? null : s));
      const params = names.filter((s) => s.startsWith(':')).map((s) => s.slice(1));
      routes.push({ method, segments, params, chain: [...options.before, ...handlers] });
    },
    handle(req, res) {
      const url = req.url ?? '/';
      // Express parses such URLs another way (the fragment dropped): left to it.
      if (url.includes('#')) return false;
      const parts = withoutQuery(url).split('/');
      for (const route of routes) {
        if (route.method !== req.method) continue;
        const params = match(route, parts);
        if (!params) continue;
        const request = req as ApiRequest;
        const response = res as ApiResponse;
        request.params = params;
        response.locals = Object.create(null) as Record<string, unknown>;
        run(route.chain, request, response);
        return true;
      }
      return false;
    },
  };
}
