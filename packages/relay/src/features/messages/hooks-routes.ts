import { z } from 'zod';
import { hookReceiptSchema } from '@messagejs/shared-types';
import type { WebhookRequest } from '../../providers/types.js';
import { rawBody } from '../../http/platform/raw-body.js';
import type { Route, RouteRequest } from '../../http/platform/route.js';
import { answerHandshake, receiveStatusWebhook, type ProviderHookDeps } from './provider-hooks.js';

/** A webhook as the providers read it: the public URL they signed, headers, query and the raw body. */
function webhookOf(request: RouteRequest, publicUrl: string | null): WebhookRequest {
  // Providers sign the URL they were given, which is the public one when the relay is behind a proxy.
  const base = publicUrl ?? `${request.protocol()}://${request.headers.host}`;
  return {
    method: request.raw.method ?? 'GET',
    url: `${base}${request.url}`,
    headers: Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
    ),
    query: request.query(),
    rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
  };
}

/**
 * Provider webhooks: `/v1/hooks/:connectorId` (and `/status`), no key — the provider's signature
 * is checked instead. `GET` answers subscription handshakes (WhatsApp `hub.challenge`).
 */
export function providerHookRoutes(deps: ProviderHookDeps & { publicUrl: string | null }): Route[] {
  const raw = rawBody({ limit: '1mb' });
  return ['/v1/hooks/:connectorId', '/v1/hooks/:connectorId/status'].flatMap((path): Route[] => [
    {
      method: 'GET',
      path,
      doc: {
        summary: 'Answer a provider’s webhook subscription handshake',
        tag: 'Provider webhooks',
        auth: 'public',
        contentType: 'text/plain',
        responses: { 200: z.string() },
      },
      async handle(request) {
        return { text: await answerHandshake(deps, request.params.connectorId!, webhookOf(request, deps.publicUrl)) };
      },
    },
    {
      method: 'POST',
      path,
      use: [raw],
      doc: {
        summary: 'Take a provider’s status callback (its signature is checked)',
        tag: 'Provider webhooks',
        auth: 'public',
        responses: { 200: hookReceiptSchema },
      },
      async handle(request) {
        await receiveStatusWebhook(deps, request.params.connectorId!, webhookOf(request, deps.publicUrl));
        return { body: { received: true } };
      },
    },
  ]);
}
