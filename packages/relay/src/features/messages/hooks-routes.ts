import { z } from 'zod';
import { hookReceiptSchema } from '@messagejs/shared-types';
import type { WebhookRequest } from '../../providers/types.js';
import { rawBody } from '../../http/platform/raw-body.js';
import type { Route, RouteRequest } from '../../http/platform/route.js';
import { answerHandshake, receiveProviderWebhook, type ProviderHookDeps } from './provider-hooks.js';

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
 * is checked instead. A `POST` carries status callbacks, inbound messages or both, and is
 * answered `{ received: true }`, or TwiML for a Twilio webhook that carried messages (the
 * answers, if any, go back in it). The raw body is read up to 1 MB (`413 payload_too_large`
 * beyond). `GET` answers subscription handshakes (WhatsApp `hub.challenge`).
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
        summary: 'Take a provider’s status callbacks and inbound messages (its signature is checked)',
        tag: 'Provider webhooks',
        auth: 'public',
        responses: { 200: hookReceiptSchema },
        alsoAnswers: { 200: { 'text/xml': z.string().describe('TwiML: the answers to a Twilio webhook’s messages.') } },
      },
      async handle(request) {
        const arrived = { receivedAt: deps.now(), startedAt: performance.now() };
        const hook = webhookOf(request, deps.publicUrl);
        const answer = await receiveProviderWebhook(deps, request.params.connectorId!, hook, arrived);
        return answer ? { text: answer.body, contentType: answer.contentType } : { body: { received: true } };
      },
    },
  ]);
}
