import { relayStatusSchema } from '@messagejs/shared-types';
import { z } from 'zod';
import type { RelayMetrics } from '../../metrics/relay-metrics.js';
import type { Handler } from '../../http/platform/handler.js';
import { requireMetricsToken } from '../../http/platform/metrics-only.js';
import type { Route } from '../../http/platform/route.js';
import { relayStatus, type StatusDeps } from './status.js';

const tag = 'Operations';

/** `GET /v1/status` (owners and admins, behind `admin`, the admin access step). */
export function statusRoutes(deps: StatusDeps & { admin: Handler }): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/status',
      use: [deps.admin],
      doc: {
        summary:
          'The relay’s status: database, Redis, worker, connectors, versions, uptime and queue (owners and admins)',
        tag,
        auth: 'admin',
        permission: 'manage_settings',
        responses: { 200: relayStatusSchema },
      },
      handle: async (request) => ({
        body: await relayStatus(deps, request.adminPrincipal()),
        headers: { 'Cache-Control': 'no-store' },
      }),
    },
  ];
}

/**
 * `GET /metrics` on the relay's own port, in Prometheus's text format: mounted only when
 * `MESSAGEJS_METRICS_TOKEN` is set, and answered only to that token (`401 unauthorized`
 * otherwise). Without a token it is not mounted: `404 not_found` (the metrics port,
 * `http/platform/metrics-only.ts`, may still serve it).
 */
export function metricsRoutes(deps: { metrics: RelayMetrics; token: string | null }): Route[] {
  const { token } = deps;
  if (token === null) return [];
  return [
    {
      method: 'GET',
      path: '/metrics',
      doc: {
        summary: 'Prometheus metrics (text exposition format 0.0.4), with the metrics token',
        tag,
        auth: 'metrics',
        contentType: 'text/plain; version=0.0.4',
        responses: { 200: z.string() },
      },
      async handle(request) {
        requireMetricsToken(request.raw, token);
        const { text, contentType } = await deps.metrics.exposition();
        return { text, contentType, headers: { 'Cache-Control': 'no-store' } };
      },
    },
  ];
}
