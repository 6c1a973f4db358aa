import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { headers } from '@messagejs/shared-types';
import { localsOf } from './locals.js';

const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Gives every request an id (a sane incoming `X-Request-Id` is kept) and echoes it. */
export function requestId(): RequestHandler {
  return function requestIdMiddleware(req, res, next) {
    const incoming = req.get(headers.requestId);
    const id = incoming && SAFE_ID.test(incoming) ? incoming : `req_${randomUUID().replaceAll('-', '')}`;
    localsOf(res).requestId = id;
    res.setHeader(headers.requestId, id);
    next();
  };
}
