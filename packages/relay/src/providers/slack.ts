import { z } from 'zod';
import { callProvider, httpError, rebase, type ProviderResponse } from './http.js';
import { ConnectorError, type ConnectorDefinition, type OutboundMessage } from './types.js';

const PROVIDER = 'Slack';

const configSchema = z.object({});

const credentialsSchema = z.object({
  /** The incoming-webhook URL (`https://hooks.slack.com/services/T…/B…/…`). It is a secret: anyone holding it can post. */
  webhookUrl: z
    .url({ protocol: /^https$/, hostname: /^hooks\.slack(-gov)?\.com$/ })
    .refine(
      (url) => new URL(url).pathname.startsWith('/services/'),
      'A Slack incoming-webhook URL looks like https://hooks.slack.com/services/T…/B…/…',
    )
    .meta({
      description: 'The incoming-webhook URL (https://hooks.slack.com/services/T…/B…/…): anyone holding it can post.',
      secret: true,
    }),
});

/** Slack connector settings (none: the webhook URL decides the workspace and channel). */
export type SlackConfig = z.infer<typeof configSchema>;
/** Slack connector secrets. */
export type SlackCredentials = z.infer<typeof credentialsSchema>;

/**
 * Escapes the three characters Slack's mrkdwn reserves, so a parameter cannot turn into a
 * mention (`<!channel>`) or a link (https://api.slack.com/reference/surfaces/formatting#escaping).
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Maps a message to an incoming-webhook body: `{ text }`. */
export function toSlackPayload(message: Pick<OutboundMessage, 'text'>): { text: string } {
  return { text: escapeSlackText(message.text) };
}

/**
 * Maps a failed incoming-webhook answer (a plain-text error code) to a `ConnectorError`.
 * https://api.slack.com/messaging/webhooks#handling_errors
 */
export function slackError(response: ProviderResponse): ConnectorError {
  const reason = typeof response.body === 'string' ? response.body.trim() : '';
  const message = `${PROVIDER}: ${reason || `HTTP ${response.status}`}`;
  const providerCode = reason || response.status;
  // The webhook itself is gone or disabled: its URL is the credential.
  if (['no_service', 'no_service_id', 'no_team', 'team_disabled', 'invalid_token'].includes(reason)) {
    return new ConnectorError('permanent', 'provider_auth_failed', message, { providerCode });
  }
  if (['channel_not_found', 'channel_is_archived', 'user_not_found'].includes(reason)) {
    return new ConnectorError('permanent', 'invalid_recipient', message, { providerCode });
  }
  if (['action_prohibited', 'posting_to_general_channel_denied'].includes(reason)) {
    return new ConnectorError('permanent', 'provider_rejected', message, { providerCode });
  }
  return httpError(PROVIDER, response, { message: reason || null, providerCode });
}

/**
 * Slack incoming-webhook connector (channel `chat`). Credentials `{ webhookUrl }`; the message's
 * `to` is only a label, the webhook decides the channel. `baseUrl` replaces the webhook URL's origin.
 */
export const slackConnector: ConnectorDefinition<SlackConfig, SlackCredentials> = {
  type: 'slack',
  channels: ['chat'],
  configSchema,
  credentialsSchema,
  create({ baseUrl }) {
    return {
      type: 'slack',
      channels: slackConnector.channels,
      async send(message, credentials, ctx) {
        const response = await callProvider({
          provider: PROVIDER,
          method: 'POST',
          url: rebase(credentials.webhookUrl, baseUrl),
          json: toSlackPayload(message),
          signal: ctx.signal,
        });
        if (response.status !== 200) throw slackError(response);
        // Incoming webhooks answer a bare "ok" and no message id.
        return { providerMessageId: null, status: 'sent' };
      },
      async test() {
        return {
          detail:
            'Slack incoming webhooks have no read-only endpoint: the only check is posting a message, so none was sent. Send a test message to check the URL.',
        };
      },
    };
  },
};
