import proxyaddr from 'proxy-addr';
import typeis from 'type-is';
import type { ApiRequest } from './handler.js';

/**
 * What Express's request getters answer (`req.ip`, `req.protocol`, `req.path`, `req.is`),
 * computed the same way (the same libraries, the same `trust proxy` function) on any Node
 * request, for the handlers that also run on the hot routes.
 */

/** Express's compiled `trust proxy` setting (`app.get('trust proxy fn')`). */
export type TrustProxy = (address: string, hop: number) => boolean;

/** The client's address: the socket's, or the last untrusted hop of `X-Forwarded-For` (`req.ip`). */
export function clientIp(req: ApiRequest, trust: TrustProxy): string {
  return proxyaddr(req, trust);
}

/** `http` or `https`, from the socket or, behind a trusted proxy, `X-Forwarded-Proto` (`req.protocol`). */
export function protocolOf(req: ApiRequest, trust: TrustProxy): string {
  const own = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  if (!trust(req.socket.remoteAddress ?? '', 0)) return own;
  const header = req.headers['x-forwarded-proto'];
  const value = (typeof header === 'string' && header) || own;
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim();
}

/** A request target without its query string. */
export function withoutQuery(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The request's path without its query string: the mount point and Express's `req.path` under a router. */
export function pathOf(req: ApiRequest): string {
  if (req.path !== undefined) return `${req.baseUrl ?? ''}${req.path}`;
  return withoutQuery(req.url ?? '/');
}

/** Whether the body is declared as one of `types` (`req.is`); false with no body. */
export function hasContentType(req: ApiRequest, types: string[]): boolean {
  return Boolean(typeis(req, types));
}
