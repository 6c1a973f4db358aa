import type { Channel, MessageStatus, Params } from '@messagejs/shared-types';
import type { ZodType } from 'zod';

/** What a connector is asked to deliver: already rendered, recipient already normalised. */
export interface OutboundMessage {
  /** The relay's message id (`msg_…`); providers that accept a client reference get it. */
  id: string;
  projectId: string;
  channel: Channel;
  /** E.164 for sms/whatsapp, a chat id for telegram, an address for email, a URL-less label for chat. */
  to: string;
  /** The rendered plain-text body. */
  text: string;
  /** Email subject (email channel). */
  subject?: string;
  /** Rendered HTML body (email channel), already escaped. */
  html?: string;
  /** A message that carries a secret (a verification code): connectors that print or keep text must not show it. */
  sensitive?: boolean;
  /** The sender the message chose (`from`), among the connector's `senders`; else the connector's own. */
  from?: string;
  /** A class 0 SMS: only for connectors with `flash`. */
  flash?: boolean;
  /** The template the message came from, when any (WhatsApp template messages use it). */
  template?: { name: string; params: Params; provider?: { name: string; language: string } };
}

/** Per-send context handed in by the worker. */
export interface SendContext {
  /** Aborts the provider call when the worker's timeout fires. */
  signal: AbortSignal;
  /** The relay's hook URL for this connector's status callbacks, when `MESSAGEJS_PUBLIC_URL` is set. */
  statusCallbackUrl?: string;
  /**
   * True when the message is `sensitive` and its project is a development project (the demo):
   * only then may the `console` connector print its body (the code) in full.
   */
  revealSensitive?: boolean;
}

/** A successful hand-over to the provider. */
export interface SendResult {
  providerMessageId: string | null;
  /** `sent` when the provider accepted it; `delivered` when the provider confirms delivery synchronously (console). */
  status: Extract<MessageStatus, 'sent' | 'delivered' | 'queued'>;
}

/** Why a send failed, in the relay's words; the provider's own code travels beside it. */
export type ConnectorErrorCode =
  | 'invalid_recipient'
  | 'recipient_opted_out'
  | 'country_not_allowed'
  | 'provider_auth_failed'
  | 'outside_session_window'
  | 'provider_rate_limited'
  | 'provider_unavailable'
  | 'provider_timeout'
  | 'provider_rejected';

/**
 * A provider failure. `transient` ones (timeouts, 5xx, 429) are retried with backoff; `permanent`
 * ones fail the attempt at once (and may cascade to the next channel).
 */
export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  readonly kind: 'transient' | 'permanent';
  readonly code: ConnectorErrorCode;
  /** The provider's own error code (`21211`, `131047`, HTTP status…), as a string. */
  readonly providerCode: string | null;
  /** The provider's requested wait (Telegram `retry_after`, HTTP `Retry-After`), in ms. */
  readonly retryAfterMs: number | null;

  constructor(
    kind: 'transient' | 'permanent',
    code: ConnectorErrorCode,
    message: string,
    options: { providerCode?: string | number | null; retryAfterMs?: number | null; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.code = code;
    this.providerCode = options.providerCode == null ? null : String(options.providerCode);
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** A provider webhook as the relay received it (signature checks need the raw body and the public URL). */
export interface WebhookRequest {
  method: string;
  /** The full public URL the provider called (what Twilio signs). */
  url: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string>;
  rawBody: Buffer;
}

/** A status change reported by a provider. */
export interface StatusUpdate {
  providerMessageId: string;
  status: Extract<MessageStatus, 'sent' | 'delivered' | 'read' | 'undelivered' | 'failed'>;
  errorCode?: string | null;
  /** The status in the provider's own words (Twilio's `queued` is the relay's `sent`): kept in the message's timeline. */
  providerStatus?: string;
  /** When the provider says it happened (ms since epoch), if it says. */
  at?: number;
}

/**
 * A message a recipient sent to one of the project's numbers or bots, carried by a verified
 * webhook. Connectors only read it; storing, routing and answering it are the relay's.
 */
export interface InboundMessage {
  /**
   * The provider's id for it (Twilio MessageSid, WhatsApp wamid, Telegram `<chat id>:<message_id>`,
   * Vonage messageId): provider retries are stored once by it.
   */
  providerMessageId: string;
  /** 'sms' | 'whatsapp' | 'telegram'. */
  channel: Channel;
  /** The sender: E.164 for sms/whatsapp (no `whatsapp:` prefix), the chat id for telegram. */
  from: string;
  /**
   * The project's number / bot the message was sent to (E.164, the phone number id's display
   * number, or the bot's username when known, else '').
   */
  to: string;
  text: string;
  /**
   * Attachments. `url` is null when the provider gives only an id to fetch it by (WhatsApp media
   * id, Telegram file_id: then `providerMediaId`); Twilio's and WhatsApp's URLs need the
   * connector's credentials to download.
   */
  media: Array<{ url: string | null; contentType: string | null; providerMediaId?: string }>;
  /** When the provider says it was sent (ms since epoch). */
  at: number | null;
  /**
   * Set when the provider itself already acted on an opt-out keyword (Twilio Advanced Opt-Out
   * sends `OptOutType` STOP/START/HELP): the relay then records the opt-out but does not answer
   * it again.
   */
  providerHandledKeyword?: 'stop' | 'start' | 'help' | null;
  /** The sender's display name when the provider gives one (WhatsApp profile name, Telegram first/last name). */
  senderName?: string | null;
}

/** Options every connector factory takes. */
export interface ConnectorOptions<Config> {
  /** Non-secret settings (from number, phone number id, SMTP host…), validated by the connector's `configSchema`. */
  config: Config;
  /** Overrides the provider's API base URL (tests point it at a local fake server). */
  baseUrl?: string;
  /** Where the `console` connector prints messages (default: stdout). Other connectors ignore it. */
  write?: (text: string) => void;
}

/** One provider integration. Knows nothing of the store; gets decrypted credentials per call. */
export interface Connector<Credentials = unknown> {
  type: string;
  channels: readonly Channel[];
  send(message: OutboundMessage, credentials: Credentials, ctx: SendContext): Promise<SendResult>;
  /** Calls the provider's cheapest authenticated endpoint. Resolves with a human-readable detail or throws `ConnectorError`. */
  test?(credentials: Credentials, ctx: { signal: AbortSignal }): Promise<{ detail: string }>;
  /** True when the webhook's signature is valid for these credentials. Called before anything is read. */
  verifyWebhook?(req: WebhookRequest, credentials: Credentials): boolean;
  /** A provider's subscription handshake (WhatsApp `hub.challenge`): the text to answer, or null to refuse. */
  handshake?(req: WebhookRequest, credentials: Credentials): string | null;
  /** Status updates carried by a verified webhook; [] for a webhook that carries inbound messages only. */
  parseStatus?(req: WebhookRequest): StatusUpdate[];
  /**
   * Messages recipients sent, carried by a webhook whose `verifyWebhook` passed (it is never
   * called before); [] when the webhook carries only statuses or nothing the relay reads.
   */
  parseInbound?(req: WebhookRequest): InboundMessage[];
  /**
   * How the provider wants the webhook answered when the relay replies inside the same HTTP
   * answer (Twilio: TwiML `<Response><Message>…</Message></Response>`, `<Response/>` for no
   * reply). Connectors without it are answered the relay's usual way and reply by `send`.
   */
  replyToInbound?(replies: string[]): { contentType: string; body: string };
  /** Releases what the connector keeps open between sends (the SMTP connection pool); called when the relay shuts down. */
  close?(): Promise<void>;
}

/** The registry entry of one connector type. */
export interface ConnectorDefinition<Config = unknown, Credentials = unknown> {
  type: string;
  channels: readonly Channel[];
  /** Validates the non-secret settings. */
  configSchema: ZodType<Config>;
  /** Validates the secret credentials (sealed at rest, never returned). */
  credentialsSchema: ZodType<Credentials>;
  create(options: ConnectorOptions<Config>): Connector<Credentials>;
  /**
   * The senders a message may choose on this connector (`from`, issue 16), read off its settings;
   * `'any'` when it takes whatever it is given (the console). Without it, a connector sends from
   * its own sender only and takes no message that chooses one.
   */
  senders?(config: Config): readonly string[] | 'any';
  /** Sends class 0 (flash) SMS when a message asks (`flash: true`). */
  flash?: boolean;
}
