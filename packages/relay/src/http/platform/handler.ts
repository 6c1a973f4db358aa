import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request as the platform's middleware reads it: Node's own, plus what body parsing and routing
 * add. Express's `Request` is one; so is the plain request the router's fast way passes
 * (`router.ts`). Middleware therefore use Node's API and `request-info.ts`, never Express's
 * additions; routes read a `RouteRequest` (`route.ts`) and never see either.
 */
export interface ApiRequest extends IncomingMessage {
  body?: unknown;
  params: Record<string, string>;
  /** Set by Express: the URL before a mounted router rewrote `url`. */
  originalUrl?: string;
  /** Set by Express: where a mounted router is mounted. */
  baseUrl?: string;
  /** Express's path getter (the pathname of `url`). */
  readonly path?: string;
}

/** A response with `locals`, where middleware leave what they learned (`locals.ts`). */
export interface ApiResponse extends ServerResponse {
  locals: Record<string, unknown>;
}

/** A middleware or route handler; a returned promise that rejects is passed to `next`, as Express 5 does. */
export type Handler = (req: ApiRequest, res: ApiResponse, next: (error?: unknown) => void) => unknown;

/** The error-handling step at the end of a chain. */
export type ErrorHandler = (error: unknown, req: ApiRequest, res: ApiResponse, next: (error?: unknown) => void) => void;
