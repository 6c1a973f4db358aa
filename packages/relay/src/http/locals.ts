import type { ApiResponse } from './handler.js';
import type { Caller } from '../core/send-message.js';
import { HttpError } from '../core/http-error.js';

/** What middleware learn about a request, kept on `res.locals`. */
export interface RequestLocals {
  requestId: string;
  caller?: Caller;
  /** The client IP, for public keys: found once by the request limits, counted again by sends. */
  clientIp?: string;
  idempotency?: { key: string; requestHash: string };
}

export const localsOf = (res: ApiResponse) => res.locals as unknown as RequestLocals;

/** The authenticated caller; routes behind `authenticate` always have one. */
export function callerOf(res: ApiResponse): Caller {
  const caller = localsOf(res).caller;
  if (!caller) throw new HttpError('unauthorized', 'Authentication required.');
  return caller;
}
