import {
  analyticsConnectorsResponseSchema,
  analyticsMessagesQuerySchema,
  analyticsMessagesResponseSchema,
  analyticsRangeQuerySchema,
  analyticsUsageResponseSchema,
  analyticsVerifyResponseSchema,
} from '@messagejs/shared-types';
import type { Route, RouteRequest } from '../../http/platform/route.js';
import { analyticsProject, messageAnalytics, type AnalyticsDeps } from './analytics.js';
import { connectorAnalytics, usageAnalytics, verifyAnalytics } from './reports.js';

const tag = 'Analytics';

/**
 * `GET /v1/analytics/messages|connectors|verify|usage` (`view_analytics`): secret keys for their
 * project, members and admin tokens for the one they name. Mounted behind the API's access step
 * with admin credentials, like the history.
 */
export function analyticsRoutes(deps: AnalyticsDeps): Route[] {
  const doc = (summary: string, query: typeof analyticsRangeQuerySchema | typeof analyticsMessagesQuerySchema) => ({
    summary,
    tag,
    auth: 'key' as const,
    permission: 'view_analytics' as const,
    query,
  });
  // Each report reads the caller's project (`view_analytics`) over the range its query asks for.
  const answer =
    (report: (deps: AnalyticsDeps, projectId: string, query: Record<string, string>) => Promise<unknown>) =>
    async (request: RouteRequest) => {
      const query = request.query();
      return { body: await report(deps, analyticsProject(request.keyPrincipal(), query), query) };
    };
  return [
    {
      method: 'GET',
      path: '/v1/analytics/messages',
      doc: {
        ...doc(
          'Message figures over a range, in total and grouped by day, hour or a dimension',
          analyticsMessagesQuerySchema,
        ),
        responses: { 200: analyticsMessagesResponseSchema },
      },
      handle: answer(messageAnalytics),
    },
    {
      method: 'GET',
      path: '/v1/analytics/connectors',
      doc: {
        ...doc('Per connector: success rate, retries, provider latency, circuit breaker', analyticsRangeQuerySchema),
        responses: { 200: analyticsConnectorsResponseSchema },
      },
      handle: answer(connectorAnalytics),
    },
    {
      method: 'GET',
      path: '/v1/analytics/verify',
      doc: {
        ...doc('Verifications per country: started, codes sent, checks, conversion', analyticsRangeQuerySchema),
        responses: { 200: analyticsVerifyResponseSchema },
      },
      handle: answer(verifyAnalytics),
    },
    {
      method: 'GET',
      path: '/v1/analytics/usage',
      doc: {
        ...doc('Messages, segments and cost per day, for the project and per key', analyticsRangeQuerySchema),
        responses: { 200: analyticsUsageResponseSchema },
      },
      handle: answer(usageAnalytics),
    },
  ];
}
