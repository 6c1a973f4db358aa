import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { callProvider, httpError, pick, rebase } from './http.js';
import type { ConnectorDefinition, OutboundMessage } from './types.js';

const PROVIDER = 'Webhook receiver';

/** The header carrying the signing time, in Unix seconds. */
export const TIMESTAMP_HEADER = 'X-MessageJS-Timestamp';
/** The header carrying `v1=<hex HMAC-SHA256>` (several, comma-separated, while a secret is being rotated). */
export const SIGNATURE_HEADER = 'X-MessageJS-Signature';

const configSchema = z.object({
  /** Where each message is POSTed as JSON. */
  url: z.url({ protocol: /^https?$/ }).meta({ description: 'Where each message is POSTed as JSON (http or https).' }),
});

const credentialsSchema = z.object({
  /** The shared secret that signs each request; the receiver checks it with `verifyWebhookSignature`. */
  secret: z.string().min(16, 'The webhook `secret` needs at least 16 characters (e.g. `openssl rand -hex 32`)').meta({
    description:
      'Signs each request (X-MessageJS-Signature: v1=<HMAC-SHA256>); at least 16 characters, e.g. `openssl rand -hex 32`.',
    secret: true,
  }),
});

/** The header naming what a request carries: `message`, or `test` for the check `connectors test` makes. */
export const EVENT_HEADER = 'X-MessageJS-Event';

/** Webhook connector settings. */
export type WebhookConfig = z.infer<typeof configSchema>;
/** Webhook connector secrets. */
export type WebhookCredentials = z.infer<typeof credentialsSchema>;

/** The JSON body a receiver gets: the message as the relay rendered it. */
export interface WebhookPayload {
  id: string;
  projectId: string;
  channel: OutboundMessage['channel'];
  to: string;
  text: string;
  subject?: string;
  html?: string;
  template?: OutboundMessage['template'];
}

/** Maps a message to the JSON body POSTed to the receiver. */
export function toWebhookPayload(message: OutboundMessage): WebhookPayload {
  return {
    id: message.id,
    projectId: message.projectId,
    channel: message.channel,
    to: message.to,
    text: message.text,
    ...(message.subject !== undefined ? { subject: message.subject } : {}),
    ...(message.html !== undefined ? { html: message.html } : {}),
    ...(message.template !== undefined ? { template: message.template } : {}),
  };
}

/**
 * The signature header value for a body sent at `timestamp` (Unix seconds): `v1=` and the hex
 * HMAC-SHA256 of `${timestamp}.${body}` under the secret. Signing the timestamp with the body lets
 * receivers refuse replays (the scheme Stripe uses for its webhooks).
 */
export function signWebhook(secret: string, timestamp: number | string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * For receivers: true when `signature` (the `X-MessageJS-Signature` header) holds a `v1=` HMAC of
 * `${timestamp}.${body}` under `secret`, and `timestamp` (the `X-MessageJS-Timestamp` header) is
 * within `toleranceSec` of now. Pass the body exactly as received, before any JSON parsing.
 * @example
 * const ok = verifyWebhookSignature(process.env.MESSAGEJS_WEBHOOK_SECRET, req.headers['x-messagejs-timestamp'],
 *   rawBody, req.headers['x-messagejs-signature'], 300);
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | null | undefined,
  body: string | Buffer,
  signature: string | null | undefined,
  toleranceSec = 300,
  now = Date.now(),
): boolean {
  if (!secret || timestamp == null || !signature) return false;
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(String(timestamp)) || Math.abs(now / 1000 - seconds) > toleranceSec) return false;
  const expected = Buffer.from(
    signWebhook(secret, String(timestamp), Buffer.isBuffer(body) ? body.toString('utf8') : body),
  );
  return signature.split(',').some((candidate) => {
    const given = Buffer.from(candidate.trim());
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * Generic signed-webhook connector (any channel): POSTs each message as JSON to `config.url`, signed
 * with the credentials' secret (`X-MessageJS-Timestamp`, `X-MessageJS-Signature: v1=<hex>`). A 2xx
 * answer is a hand-over; the receiver may return `{ "id": "…" }` as its own message id.
 * `baseUrl` replaces the URL's origin.
 */
export const webhookConnector: ConnectorDefinition<WebhookConfig, WebhookCredentials> = {
  type: 'webhook',
  channels: ['sms', 'whatsapp', 'telegram', 'email', 'chat'],
  configSchema,
  credentialsSchema,
  create({ config: rawConfig, baseUrl }) {
    const url = rebase(configSchema.parse(rawConfig).url, baseUrl);

    return {
      type: 'webhook',
      channels: webhookConnector.channels,
      async send(message, credentials, ctx) {
        const body = JSON.stringify(toWebhookPayload(message));
        const timestamp = Math.floor(Date.now() / 1000);
        const response = await callProvider({
          provider: PROVIDER,
          method: 'POST',
          url,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'messagejs-relay',
            [EVENT_HEADER]: 'message',
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(credentials.secret, timestamp, body),
          },
          body,
          signal: ctx.signal,
        });
        if (response.status < 200 || response.status >= 300) throw httpError(PROVIDER, response);
        const id = pick(response.body, 'id');
        return { providerMessageId: typeof id === 'string' ? id : null, status: 'sent' };
      },
      async test(credentials, ctx) {
        // A signed request that carries no message: the receiver proves it is reachable and, if
        // it checks signatures, that it shares the secret (a 401/403 answer is an auth failure).
        const body = JSON.stringify({ type: 'test', id: `test_${Date.now().toString(36)}` });
        const timestamp = Math.floor(Date.now() / 1000);
        const response = await callProvider({
          provider: PROVIDER,
          method: 'POST',
          url,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'messagejs-relay',
            [EVENT_HEADER]: 'test',
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(credentials.secret, timestamp, body),
          },
          body,
          signal: ctx.signal,
        });
        if (response.status < 200 || response.status >= 300) throw httpError(PROVIDER, response);
        return { detail: `The receiver answered ${response.status} to a signed test request (${EVENT_HEADER}: test).` };
      },
    };
  },
};
