import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { callProvider, headerOf, httpError, joinUrl, pick, type ProviderResponse } from './http.js';
import { ConnectorError, type ConnectorDefinition, type InboundMessage, type OutboundMessage } from './types.js';

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

/** What the webhook secret is derived under: changing it changes every bot's secret (each then needs `setWebhook` again). */
const SECRET_LABEL = 'messagejs telegram webhook secret v1';

/**
 * The `secret_token` the relay gives Telegram in `setWebhook`, which Telegram sends back in
 * `X-Telegram-Bot-Api-Secret-Token` on every update (https://core.telegram.org/bots/api#setwebhook):
 * the base64url HMAC-SHA256 of a fixed label keyed with the bot token. Derived, not stored, so a
 * connector needs no credential beyond its token; 43 characters of `A–Z a–z 0–9 _ -`, within the
 * 1–256 Telegram allows. Anyone who can forge it holds the bot token already.
 */
export function telegramWebhookSecret(botToken: string): string {
  return createHmac('sha256', botToken).update(SECRET_LABEL).digest('base64url');
}

/**
 * Points the bot's webhook at `url` (the relay's `/v1/hooks/<connector id>`) with Bot API
 * `setWebhook`: the derived `secret_token`, and `allowed_updates: ["message"]` so Telegram sends
 * new messages only (no edits, channel posts or button callbacks). Resolves when Telegram answers
 * `ok: true`; throws `ConnectorError` otherwise (`provider_auth_failed` for a revoked token,
 * `provider_rejected` with Telegram's description for a URL it refuses, such as one not HTTPS or
 * on a port other than 443, 80, 88 and 8443). Without a `signal`, it gives up after 15 s.
 */
export async function setTelegramWebhook(
  credentials: TelegramCredentials,
  url: string,
  options: { baseUrl?: string; signal?: AbortSignal } = {},
): Promise<void> {
  const response = await callProvider({
    provider: PROVIDER,
    method: 'POST',
    url: joinUrl(options.baseUrl ?? DEFAULT_BASE_URL, `bot${credentials.botToken}/setWebhook`),
    json: { url, secret_token: telegramWebhookSecret(credentials.botToken), allowed_updates: ['message'] },
    signal: options.signal ?? AbortSignal.timeout(15_000),
  });
  if (response.status === 200 && pick(response.body, 'ok') === true) return;
  const error = telegramError(response);
  const description = pick(response.body, 'description');
  throw new ConnectorError(
    error.kind,
    error.code,
    `${PROVIDER} refused setWebhook: ${typeof description === 'string' && description ? description : `HTTP ${response.status}`}`,
    { providerCode: error.providerCode, retryAfterMs: error.retryAfterMs },
  );
}

/** A string value, or undefined. */
function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The file kinds of a message besides `photo`, each an object with `file_id` and, for most, `mime_type`. */
const fileKinds = ['document', 'voice', 'audio', 'video', 'animation', 'video_note', 'sticker'] as const;

/**
 * The attachments of a message. Telegram gives a `file_id` (fetched with `getFile`), never a URL.
 * A `photo` is a list of sizes, smallest first: the largest is kept, as `image/jpeg` (Telegram
 * stores every photo it compresses as JPEG; its PhotoSize names no type).
 */
function telegramMedia(message: unknown): InboundMessage['media'] {
  const media: InboundMessage['media'] = [];
  const photo = pick(message, 'photo');
  const largest: unknown = Array.isArray(photo) ? photo.at(-1) : undefined;
  const photoId = str(pick(largest, 'file_id'));
  if (photoId) media.push({ url: null, contentType: 'image/jpeg', providerMediaId: photoId });
  for (const kind of fileKinds) {
    const fileId = str(pick(message, kind, 'file_id'));
    if (fileId)
      media.push({ url: null, contentType: str(pick(message, kind, 'mime_type')) ?? null, providerMediaId: fileId });
  }
  return media;
}

/**
 * Reads a Bot API update (https://core.telegram.org/bots/api#update): its `message` — `message_id`,
 * `date` in seconds, `chat.id` (the sender, as the relay sends to chats), `from.first_name` and
 * `last_name`, `text` or a media's `caption`, and its files. The id is `<chat id>:<message_id>`,
 * as for sends, since a message_id is unique only within its chat. The update names no bot, so
 * `to` is ''.
 *
 * Every other update gives []. In particular `edited_message`: the message was already received
 * (and stored by its id) when it was sent; an edit is not a new message, and taking it as one
 * would store the same id twice or answer a keyword a second time. `setTelegramWebhook` asks for
 * `message` updates only, but a webhook set by other means may still send the rest.
 */
export function parseTelegramUpdate(update: unknown): InboundMessage[] {
  const message = pick(update, 'message');
  const chatId = pick(message, 'chat', 'id');
  const messageId = pick(message, 'message_id');
  if ((typeof chatId !== 'number' && typeof chatId !== 'string') || typeof messageId !== 'number') return [];
  const date = pick(message, 'date');
  const name = [str(pick(message, 'from', 'first_name')), str(pick(message, 'from', 'last_name'))]
    .filter(Boolean)
    .join(' ');
  return [
    {
      providerMessageId: `${chatId}:${messageId}`,
      channel: 'telegram',
      from: String(chatId),
      to: '',
      text: str(pick(message, 'text')) ?? str(pick(message, 'caption')) ?? '',
      media: telegramMedia(message),
      at: typeof date === 'number' && date > 0 ? date * 1000 : null,
      senderName: name || null,
    },
  ];
}

/**
 * Telegram Bot API connector (`sendMessage`). Credentials `{ botToken }`, config `{ parseMode }`.
 * The recipient is a chat id: a user must have started the bot first. Updates reach the relay once
 * `setTelegramWebhook` has pointed the bot at it; they are verified by the derived secret token.
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
      verifyWebhook(req, credentials) {
        const given = headerOf(req.headers, 'x-telegram-bot-api-secret-token');
        if (!given) return false;
        const a = Buffer.from(given);
        const b = Buffer.from(telegramWebhookSecret(credentials.botToken));
        return a.length === b.length && timingSafeEqual(a, b);
      },
      parseInbound(req) {
        try {
          return parseTelegramUpdate(JSON.parse(req.rawBody.toString('utf8')));
        } catch {
          return [];
        }
      },
    };
  },
};
