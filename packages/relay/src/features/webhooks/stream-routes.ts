import { z } from 'zod';
import { eventStreamQuerySchema } from '@messagejs/shared-types';
import type { Route } from '../../http/platform/route.js';
import type { EventStreams } from './event-stream.js';

/**
 * `GET /v1/events/stream`: a project's events as Server-Sent Events (`event-stream.ts`), for the
 * CLI and the dashboard. Mounted behind the admin access step: a member's session (Bearer or the
 * browser's cookie, which an `EventSource` sends) or a `mat_` token; the credential is checked
 * when the stream opens, and again every 30 s while it runs (a revoked or expired credential, or
 * a member removed from the project, ends the stream).
 */
export function eventStreamRoutes(streams: EventStreams): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/events/stream',
      doc: {
        summary:
          'Stream a project’s events as they happen (Server-Sent Events: `id`, `event`, and the webhook body as `data`), resumable with `Last-Event-ID`',
        tag: 'Events',
        auth: 'admin',
        permission: 'view_history',
        query: eventStreamQuerySchema,
        contentType: 'text/event-stream',
        responses: { 200: z.string() },
      },
      async handle(request) {
        const header = request.headers['last-event-id'];
        const lastEventId = Array.isArray(header) ? header[0] : header;
        const stream = await streams.open(
          request.adminPrincipal(),
          request.query(),
          lastEventId,
          request.adminReauthorizer(),
        );
        return {
          contentType: 'text/event-stream; charset=utf-8',
          // Proxies (nginx's `X-Accel-Buffering`) and caches must pass each event on at once.
          headers: { 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
          stream: (out) => stream.run(out),
        };
      },
    },
  ];
}
