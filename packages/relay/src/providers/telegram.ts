import { z } from 'zod';
import { callProvider, httpError, joinUrl, pick, type ProviderResponse } from './http.js';
import { ConnectorError, type ConnectorDefinition, type OutboundMessage } from './types.js';

const PROVIDER = 'Telegram';
const DEFAULT_BASE_URL = 'https://api.telegram.org';

const configSchema = z.object({
  /**
   * How Telegram parses the text. The whole rendered text is escaped for the chosen mode, so a
   * parameter can never break the markup (Telegram answers 400 "can't parse entities" otherwise).
   * `none` sends plain text without `parse_mode`.
   * @default 'HTML'
   */
  parseMode: z
    .enum(['HTML', 'MarkdownV2', 'none'])
    .meta({ description: 'How Telegram parses the text (escaped for it): HTML (the default), MarkdownV2 or none.' })
    .default('HTML'),
});

const credentialsSchema = z.object({
  /** The token @BotFather gave the bot (`123456:ABC-DEF…`). */
  botToken: z
    .string()
    .regex(/^\d+:[\w-]+$/, 'The `botToken` looks like `123456789:AA…` (from @BotFather)')
    .meta({ description: 'The token @BotFather gave the bot (123456789:AA…).', secret: true }),
});

/** Telegram connector settings. */
export type TelegramConfig = z.infer<typeof configSchema>;
/** Telegram connector secrets. */
export type TelegramCredentials = z.infer<typeof credentialsSchema>;
/** A Telegram parse mode, or `none` for plain text. */
export type TelegramParseMode = TelegramConfig['parseMode'];

/** The JSON body of Bot API `sendMessage`. */
export interface TelegramPayload {
  chat_id: string;
  text: string;
  parse_mode?: 'HTML' | 'MarkdownV2';
}

/**
 * Escapes text for Telegram's HTML parse mode: only `&`, `<` and `>` need entities
 * (https://core.telegram.org/bots/api#html-style).
 */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes text for Telegram's MarkdownV2 parse mode: every one of
 * `_ * [ ] ( ) ~ ` > # + - = | { } . !` and the backslash itself gets a backslash
 * (https://core.telegram.org/bots/api#markdownv2-style).
 */
export function escapeTelegramMarkdownV2(text: string): string {
  return text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, '\\$&');
}

/**
 * Maps a message to the Bot API `sendMessage` body: `chat_id` is the recipient (a numeric chat id
 * or `@channelusername`), and the text is escaped for the parse mode.
 * @example toTelegramPayload({ to: '42', text: 'a < b', … }) // { chat_id: '42', text: 'a &lt; b', parse_mode: 'HTML' }
 */
export function toTelegramPayload(
  message: Pick<OutboundMessage, 'to' | 'text'>,
  parseMode: TelegramParseMode = 'HTML',
): TelegramPayload {
  if (parseMode === 'none') return { chat_id: message.to, text: message.text };
  const text = parseMode === 'HTML' ? escapeTelegramHtml(message.text) : escapeTelegramMarkdownV2(message.text);
  return { chat_id: message.to, text, parse_mode: parseMode };
}

/**
 * Maps a failed Bot API answer (`{ ok: false, error_code, description, parameters }`) to a
 * `ConnectorError`. See https://core.telegram.org/bots/api#making-requests and #responseparameters.
 */
export function telegramError(response: ProviderResponse): ConnectorError {
  const errorCode = pick(response.body, 'error_code');
  const status = typeof errorCode === 'number' ? errorCode : response.status;
  const rawDescription = pick(response.body, 'description');
  const description = typeof rawDescription === 'string' ? rawDescription : '';
  const message = `${PROVIDER}: ${description || `HTTP ${status}`}`;

  if (status === 429) {
    const retryAfter = pick(response.body, 'parameters', 'retry_after');
    return new ConnectorError('transient', 'provider_rate_limited', message, {
      providerCode: status,
      retryAfterMs: typeof retryAfter === 'number' ? retryAfter * 1000 : null,
    });
  }
  // 403 is "bot was blocked by the user", "user is deactivated", "bot was kicked from the group chat":
  // the recipient has, one way or another, stopped accepting this bot's messages.
  if (status === 403) return new ConnectorError('permanent', 'recipient_opted_out', message, { providerCode: status });
  // The Bot API answers 401 for a revoked token and 404 for a malformed one (the /bot<token>/ path does not exist).
  if (status === 401 || status === 404)
    return new ConnectorError('permanent', 'provider_auth_failed', message, { providerCode: status });
  if (status === 400 && /chat not found|user not found|PEER_ID_INVALID|chat_id is empty/i.test(description)) {
    return new ConnectorError('permanent', 'invalid_recipient', message, { providerCode: status });
  }
  return httpError(PROVIDER, { ...response, status }, { message: description || null, providerCode: status });
}

/**
 * Telegram Bot API connector (`sendMessage`). Credentials `{ botToken }`, config `{ parseMode }`.
 * The recipient is a chat id: a user must have started the bot first.
 */
export const telegramConnector: ConnectorDefinition<TelegramConfig, TelegramCredentials> = {
  type: 'telegram',
  channels: ['telegram'],
  configSchema,
  credentialsSchema,
  create({ config, baseUrl = DEFAULT_BASE_URL }) {
    const parseMode = configSchema.parse(config).parseMode;
    const endpoint = (credentials: TelegramCredentials, method: string) =>
      joinUrl(baseUrl, `bot${credentials.botToken}/${method}`);

    return {
      type: 'telegram',
      channels: telegramConnector.channels,
      async send(message, credentials, ctx) {
        const response = await callProvider({
          provider: PROVIDER,
          method: 'POST',
          url: endpoint(credentials, 'sendMessage'),
          json: toTelegramPayload(message, parseMode),
          signal: ctx.signal,
        });
        if (response.status !== 200 || pick(response.body, 'ok') !== true) throw telegramError(response);
        const messageId = pick(response.body, 'result', 'message_id');
        // message_id is only unique within a chat, so the chat is part of the id.
        return {
          providerMessageId: typeof messageId === 'number' ? `${message.to}:${messageId}` : null,
          status: 'sent',
        };
      },
      async test(credentials, ctx) {
        const response = await callProvider({
          provider: PROVIDER,
          method: 'GET',
          url: endpoint(credentials, 'getMe'),
          signal: ctx.signal,
        });
        if (response.status !== 200 || pick(response.body, 'ok') !== true) throw telegramError(response);
        const username = pick(response.body, 'result', 'username');
        return { detail: `The token belongs to the bot @${typeof username === 'string' ? username : 'unknown'}.` };
      },
    };
  },
};
