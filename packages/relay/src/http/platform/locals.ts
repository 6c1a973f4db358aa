import type { ApiResponse } from './handler.js';
import type { AdminPrincipal, Principal } from '../../domain/principal.js';
import { AppError } from '../../domain/app-error.js';
import type { RouteObserver } from '../../metrics/relay-metrics.js';

/** What middleware learn about a request, kept on `res.locals`. */
export interface RequestLocals {
  requestId: string;
  principal?: Principal;
  /**
   * Resolves the request's admin credential again (`admin-access.ts`): what a long-lived answer
   * (the event stream) asks now and then, so a revoked token or removed member stops it.
   */
  reauthorize?: () => Promise<AdminPrincipal>;
  /** The client IP, for public keys: found once by the request limits, counted again by sends. */
  clientIp?: string;
  idempotency?: { key: string; requestHash: string };
  /** The metrics of the route that took the request (set by the router when metrics are on). */
  route?: RouteObserver;
}

export const localsOf = (res: ApiResponse) => res.locals as unknown as RequestLocals;

/** The authenticated principal; routes behind `authenticate` always have one. */
export function principalOf(res: ApiResponse): Principal {
  const principal = localsOf(res).principal;
  if (!principal) throw new AppError('unauthorized', 'Authentication required.');
  return principal;
}
