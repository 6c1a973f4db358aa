import { z } from 'zod';
import { callProvider, httpError, parseRetryAfter, pick, rebase, type ProviderResponse } from './http.js';
import { ConnectorError, type ConnectorDefinition, type OutboundMessage } from './types.js';

const PROVIDER = 'Discord';

const configSchema = z.object({});

const credentialsSchema = z.object({
  /** The webhook URL (`https://discord.com/api/webhooks/<id>/<token>`). It is a secret: anyone holding it can post. */
  webhookUrl: z
    .url({ protocol: /^https$/, hostname: /^((ptb|canary)\.)?discord(app)?\.com$/ })
    .refine(
      (url) => /^\/api(\/v\d+)?\/webhooks\/\d+\/[\w-]+\/?$/.test(new URL(url).pathname),
      'A Discord webhook URL looks like https://discord.com/api/webhooks/<id>/<token>',
    )
    .meta({
      description:
        'The channel webhook URL (https://discord.com/api/webhooks/<id>/<token>): anyone holding it can post.',
      secret: true,
    }),
});

/** Discord connector settings (none: the webhook decides the server and channel). */
export type DiscordConfig = z.infer<typeof configSchema>;
/** Discord connector secrets. */
export type DiscordCredentials = z.infer<typeof credentialsSchema>;

/** The JSON body of Execute Webhook. */
export interface DiscordPayload {
  content: string;
  allowed_mentions: { parse: [] };
}

/**
 * Maps a message to an Execute Webhook body: `{ content }`, with `allowed_mentions.parse` empty so a
 * parameter containing `@everyone` or `<@id>` cannot ping anyone
 * (https://discord.com/developers/docs/resources/message#allowed-mentions-object).
 */
export function toDiscordPayload(message: Pick<OutboundMessage, 'text'>): DiscordPayload {
  return { content: message.text, allowed_mentions: { parse: [] } };
}

/**
 * Maps a failed Discord answer (`{ code, message }`, or `{ retry_after }` on 429) to a `ConnectorError`.
 * https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
 */
export function discordError(response: ProviderResponse): ConnectorError {
  const code = pick(response.body, 'code');
  const rawMessage = pick(response.body, 'message');
  const message = `${PROVIDER}: ${typeof rawMessage === 'string' ? rawMessage : `HTTP ${response.status}`}`;
  if (response.status === 429) {
    // The body's retry_after is in seconds (a float) and more precise than the header's whole seconds.
    const retryAfter = pick(response.body, 'retry_after');
    return new ConnectorError('transient', 'provider_rate_limited', message, {
      providerCode: 429,
      retryAfterMs:
        typeof retryAfter === 'number'
          ? Math.ceil(retryAfter * 1000)
          : parseRetryAfter(response.headers.get('retry-after')),
    });
  }
  // 10015 Unknown Webhook (deleted), 50027 Invalid Webhook Token: the URL, which is the credential, is dead.
  if (code === 10015 || code === 50027)
    return new ConnectorError('permanent', 'provider_auth_failed', message, { providerCode: code });
  return httpError(PROVIDER, response, {
    message: typeof rawMessage === 'string' ? rawMessage : null,
    providerCode: typeof code === 'number' ? code : response.status,
  });
}

/**
 * Discord webhook connector (channel `chat`). Credentials `{ webhookUrl }`; the message's `to` is
 * only a label. Posts with `?wait=true` so Discord returns the created message and its id.
 * `baseUrl` replaces the webhook URL's origin.
 */
export const discordConnector: ConnectorDefinition<DiscordConfig, DiscordCredentials> = {
  type: 'discord',
  channels: ['chat'],
  configSchema,
  credentialsSchema,
  create({ baseUrl }) {
    return {
      type: 'discord',
      channels: discordConnector.channels,
      async send(message, credentials, ctx) {
        const url = new URL(rebase(credentials.webhookUrl, baseUrl));
        url.searchParams.set('wait', 'true');
        const response = await callProvider({
          provider: PROVIDER,
          method: 'POST',
          url: url.href,
          json: toDiscordPayload(message),
          signal: ctx.signal,
        });
        if (response.status < 200 || response.status >= 300) throw discordError(response);
        const id = pick(response.body, 'id');
        return { providerMessageId: typeof id === 'string' ? id : null, status: 'sent' };
      },
      async test(credentials, ctx) {
        // Get Webhook with Token: a read-only GET on the webhook URL itself, no bot token needed
        // (https://discord.com/developers/docs/resources/webhook#get-webhook-with-token).
        const response = await callProvider({
          provider: PROVIDER,
          method: 'GET',
          url: rebase(credentials.webhookUrl, baseUrl),
          signal: ctx.signal,
        });
        if (response.status !== 200) throw discordError(response);
        const name = pick(response.body, 'name');
        const channelId = pick(response.body, 'channel_id');
        return {
          detail: `The webhook "${String(name ?? 'unnamed')}" posts to channel ${String(channelId ?? 'unknown')}.`,
        };
      },
    };
  },
};
