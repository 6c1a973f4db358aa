import querystring from 'node:querystring';
import type { ServerResponse } from 'node:http';
import type { ZodType } from 'zod';
import type { Permission } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import type { Actor } from '../../domain/actor.js';
import { isAdminPrincipal, type AdminPrincipal, type KeyPrincipal, type Principal } from '../../domain/principal.js';
import type { ApiRequest, ApiResponse, Handler } from './handler.js';
import { localsOf, principalOf, type RequestLocals } from './locals.js';
import { clientIp, protocolOf, withoutQuery, type TrustProxy } from './request-info.js';
import { sendJson } from './send-json.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * What a route answers: JSON (`body`) or text (`text`, e.g. a webhook handshake), with a status
 * (200 unless given) and headers. A route never writes to the response itself; errors are thrown
 * as `AppError` and answered by the error handler.
 */
export interface Reply {
  status?: number;
  body?: unknown;
  /** A text answer instead of JSON, sent with `contentType` (default `text/plain; charset=utf-8`). */
  text?: string;
  contentType?: string;
  /** Headers; a list sends the header once per value (`Set-Cookie`). */
  headers?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * A body written in pieces (an export), sent with `contentType`: `stream` writes it through
   * `out` and resolves when done. It should stop once a write answers false (the client went away).
   */
  stream?: (out: ReplyStream) => Promise<void>;
}

/** Where a streamed reply writes. */
export interface ReplyStream {
  /**
   * Writes `chunk`; when the socket's buffer is full, resolves only once it drained (so the
   * producer reads no faster than the client takes). False when the client has gone: stop then.
   */
  write(chunk: string): Promise<boolean>;
  /** Aborted once the client has gone: a reply that waits between writes (a live stream) stops then. */
  readonly signal: AbortSignal;
}

/**
 * A request as every route reads it, whichever way it reached the route (docs/adr/0010): Node's
 * request with its params and parsed body, what the middleware before it learned, and the
 * request facts that depend on the relay's `trust proxy` setting.
 */
export class RouteRequest {
  constructor(
    /** Node's request: method, headers, params, body. */
    readonly raw: ApiRequest,
    private readonly res: ApiResponse,
    private readonly trust: TrustProxy,
  ) {}

  get params(): Record<string, string> {
    return this.raw.params;
  }

  get body(): unknown {
    return this.raw.body;
  }

  get headers(): ApiRequest['headers'] {
    return this.raw.headers;
  }

  /** What the middleware before the route learned (request id, principal, idempotency key, client IP). */
  get locals(): RequestLocals {
    return localsOf(this.res);
  }

  /** The authenticated principal; a route mounted behind the API's access step always has one. */
  principal(): Principal {
    return principalOf(this.res);
  }

  /** The project key on the send path (or an admin credential standing in for one: `authenticate.ts`). */
  keyPrincipal(): KeyPrincipal {
    const principal = principalOf(this.res);
    if (principal.kind !== 'key') throw new AppError('unauthorized', 'This route takes a project key.');
    return principal;
  }

  /** The member or admin token on a management route (`admin-access.ts` resolved it). */
  adminPrincipal(): AdminPrincipal {
    const principal = localsOf(this.res).principal;
    if (!isAdminPrincipal(principal)) throw new AppError('unauthorized', 'Sign in, or pass an admin token.');
    return principal;
  }

  /**
   * Resolves this request's admin credential again, as `adminPrincipal()` did: throws `401` once
   * it was revoked, expired or signed out (for answers that outlive the request's start).
   */
  adminReauthorizer(): () => Promise<AdminPrincipal> {
    const reauthorize = localsOf(this.res).reauthorize;
    if (!reauthorize) throw new AppError('unauthorized', 'Sign in, or pass an admin token.');
    return reauthorize;
  }

  /** Who makes a change, for the audit log: the principal, the client's address, user agent and request id. */
  actor(): Actor {
    const userAgent = this.raw.headers['user-agent'];
    return {
      principal: this.principal(),
      ip: this.ip(),
      ...(userAgent && { userAgent: userAgent.slice(0, 300) }),
      requestId: this.locals.requestId,
    };
  }

  /** The client's address: the socket's, or the last untrusted hop of `X-Forwarded-For`. */
  ip(): string {
    return clientIp(this.raw, this.trust);
  }

  /** `http` or `https`, from the socket or, behind a trusted proxy, `X-Forwarded-Proto`. */
  protocol(): string {
    return protocolOf(this.raw, this.trust);
  }

  /** The request target as the client sent it (path and query string). */
  get url(): string {
    return this.raw.originalUrl ?? this.raw.url ?? '/';
  }

  /** The query string's parameters; a repeated one has its values joined with commas. */
  query(): Record<string, string> {
    const url = this.url;
    const start = url.indexOf('?');
    if (start === -1) return {};
    const parsed = querystring.parse(url.slice(start + 1));
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  }

  /** The path without its query string. */
  get path(): string {
    return withoutQuery(this.url);
  }
}

/**
 * One route of the API: a method, a path (literal segments and `:name` parameters), the platform
 * middleware it needs before it (a body parser, the idempotency step), and its handler. Every
 * route of the relay is one of these; `router.ts` runs them.
 */
export interface Route {
  method: Method;
  path: string;
  use?: readonly Handler[];
  handle(request: RouteRequest): Reply | Promise<Reply>;
  /** What the OpenAPI document (`GET /v1/openapi.json`) says of the route. */
  doc?: RouteDoc;
}

/**
 * A route's entry in the OpenAPI document, built from the same zod schemas (`@messagejs/shared-types`)
 * that its service validates with and answers in, so the document cannot drift from the code.
 */
export interface RouteDoc {
  summary: string;
  /** The group it is listed under (e.g. `Messages`, `Projects`). */
  tag: string;
  /**
   * Who may call it: a project key, an admin credential (a member's session or a `mat_` token),
   * a scraper with the metrics token (`MESSAGEJS_METRICS_TOKEN`), or anyone.
   */
  auth: 'key' | 'admin' | 'metrics' | 'public';
  /** The permission an admin credential needs, when one does. */
  permission?: Permission;
  body?: ZodType;
  query?: ZodType;
  /** The answer's body schema by status; null for an answer without a body (204). Errors are documented once for all. */
  responses: Readonly<Record<number, ZodType | null>>;
  /** The media type of the answers when it is not JSON (a page, a script, a handshake's text). @default 'application/json' */
  contentType?: string;
  /**
   * Other media types an answer of a status may come in, beside `contentType`'s (a provider
   * webhook answered in the provider's own format: `{ 200: { 'text/xml': z.string() } }`).
   */
  alsoAnswers?: Readonly<Record<number, Readonly<Record<string, ZodType>>>>;
}

/** Writes a route's reply. */
export function writeReply(res: ServerResponse, reply: Reply): void | Promise<void> {
  const headers = reply.headers;
  if (headers) for (const name in headers) res.setHeader(name, headers[name] as string | string[]);
  if (reply.stream) return streamReply(res, reply, reply.stream);
  if (reply.status === 204) {
    res.statusCode = 204;
    res.end();
    return;
  }
  if (reply.text === undefined) return sendJson(res, reply.status ?? 200, reply.body);
  res.statusCode = reply.status ?? 200;
  res.setHeader('Content-Type', reply.contentType ?? 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(reply.text));
  res.end(reply.text);
}

/**
 * Writes a streamed reply (chunked). An error before the first byte is thrown to the error handler
 * (a proper error answer); after it, the connection is cut, so the client cannot take a truncated
 * body for a whole one.
 */
async function streamReply(res: ServerResponse, reply: Reply, stream: NonNullable<Reply['stream']>): Promise<void> {
  res.statusCode = reply.status ?? 200;
  res.setHeader('Content-Type', reply.contentType ?? 'application/octet-stream');
  let gone = false;
  let wake: (() => void) | null = null;
  const client = new AbortController();
  const onClose = () => {
    gone = true;
    client.abort();
    wake?.();
  };
  res.on('close', onClose);
  const out: ReplyStream = {
    signal: client.signal,
    async write(chunk) {
      if (gone || res.destroyed) return false;
      if (res.write(chunk)) return true;
      await new Promise<void>((resolve) => {
        wake = resolve;
        res.once('drain', resolve);
      });
      res.removeListener('drain', wake!);
      wake = null;
      return !gone && !res.destroyed;
    },
  };
  try {
    await stream(out);
    if (!gone) res.end();
  } catch (error) {
    if (!res.headersSent) {
      for (const name of ['Content-Type', ...Object.keys(reply.headers ?? {})]) res.removeHeader(name);
      throw error;
    }
    res.destroy(error instanceof Error ? error : new Error(String(error)));
  } finally {
    res.removeListener('close', onClose);
  }
}
