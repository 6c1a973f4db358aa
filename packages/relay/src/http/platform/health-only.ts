import type http from 'node:http';
import type { ErrorBody } from '@messagejs/shared-types';
import { withoutQuery } from './request-info.js';
import { sendJson } from './send-json.js';

/** What a health listener serves: liveness and readiness, nothing of the API. */
const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

/**
 * A request listener that hands `GET /healthz` and `GET /readyz` to `handler` (the relay's, which
 * mounts the health routes) and answers anything else `404 not_found`. A `worker` process serves
 * it on `--health-port`, so compose or systemd can check the worker without it exposing the API.
 */
export function healthOnly(handler: http.RequestListener): http.RequestListener {
  return function healthOnlyListener(req, res) {
    const path = withoutQuery(req.url ?? '/');
    if (HEALTH_PATHS.has(path) && (req.method === 'GET' || req.method === 'HEAD')) return handler(req, res);
    const body: ErrorBody = {
      error: { code: 'not_found', message: 'This listener serves only GET /healthz and GET /readyz.' },
    };
    sendJson(res, 404, body);
  };
}
