/**
 * The MessageJS wire contract, shared by the relay and the client.
 *
 * Types and a few `as const` tables only: no runtime dependencies. Error codes are part of the
 * public contract — add new ones, never rename or remove one.
 */

/**
 * Every error code the relay (or the client, for transport failures) can produce, mapped to the
 * HTTP status it travels with. Client-only codes (`timeout`, `network_error`, `bad_response`)
 * carry status 0 because no HTTP answer was received or understood.
 */
export const errorStatus = {
  // 400
  validation_failed: 400,
  invalid_json: 400,
  nesting_too_deep: 400,
  invalid_recipient: 400,
  captcha_required: 400,
  invalid_code: 400,
  // 401
  unauthorized: 401,
  // 403
  forbidden: 403,
  origin_not_allowed: 403,
  secret_key_in_browser: 403,
  template_required: 403,
  country_not_allowed: 403,
  recipient_opted_out: 403,
  captcha_failed: 403,
  invalid_signature: 403,
  number_type_not_allowed: 403,
  // 404
  not_found: 404,
  template_not_found: 404,
  message_not_found: 404,
  project_not_found: 404,
  connector_not_found: 404,
  verify_session_not_found: 404,
  // 405
  method_not_allowed: 405,
  // 422
  channel_not_configured: 422,
  template_invalid: 422,
  // 409
  idempotency_conflict: 409,
  idempotency_in_progress: 409,
  already_verified: 409,
  // 410
  expired: 410,
  // 413
  payload_too_large: 413,
  // 415
  unsupported_media_type: 415,
  // 429
  rate_limited: 429,
  max_attempts_reached: 429,
  verify_send_limit: 429,
  verify_throttled: 429,
  resend_cooldown: 429,
  // 5xx
  internal_error: 500,
  provider_error: 502,
  not_ready: 503,
  captcha_unavailable: 503,
  // client-side only (no usable HTTP answer)
  timeout: 0,
  network_error: 0,
  bad_response: 0,
} as const;

/** A stable, snake_case error code. */
export type ErrorCode = keyof typeof errorStatus;

/** The body of every error answer: `{ "error": { "code", "message", "field"? } }`. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** The request field at fault, as a dotted path (`params.order`, `to`). */
    field?: string;
    /** The request id, also sent as the `X-Request-Id` header. */
    requestId?: string;
    /** With `number_type_not_allowed`: the type the recipient's number was found to be (`premium_rate`). */
    numberType?: NumberType;
    /** With `captcha_required`, when the project uses the relay's own proof-of-work CAPTCHA: the challenge to solve. */
    challenge?: PowChallenge;
  };
}

/**
 * Phone number types as libphonenumber reports them, in snake case: what a project lists in its
 * allowed number types and `POST /v1/recipients/analyze` reports. `unknown` when the numbering
 * plan cannot tell.
 */
export const numberTypes = [
  'mobile',
  'fixed_line_or_mobile',
  'fixed_line',
  'premium_rate',
  'toll_free',
  'shared_cost',
  'voip',
  'personal_number',
  'pager',
  'uan',
  'voicemail',
  'unknown',
] as const;
export type NumberType = (typeof numberTypes)[number];

/**
 * A proof-of-work challenge (the ALTCHA scheme): find the integer `number` in `0…maxnumber` for
 * which `hex(SHA-256(salt + number)) === challenge`, then send
 * `base64(JSON.stringify({ algorithm, challenge, number, salt, signature }))` as `captchaToken`.
 * The salt carries its expiry (`?expires=<unix seconds>`); the signature is the relay's HMAC.
 */
export interface PowChallenge {
  algorithm: 'SHA-256';
  challenge: string;
  salt: string;
  maxnumber: number;
  signature: string;
}

/** Delivery channels. `console` is the development channel: printed and kept by the relay. */
export const channels = ['sms', 'whatsapp', 'telegram', 'email', 'chat', 'console'] as const;
export type Channel = (typeof channels)[number];

/** Message lifecycle: `scheduled → queued → sending → sent → delivered → read`, or a failure. */
export const messageStatuses = [
  'scheduled',
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'failed',
  'undelivered',
  'canceled',
  'expired',
] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/** Statuses after which nothing more will happen to a message. */
export const finalStatuses = ['delivered', 'read', 'failed', 'undelivered', 'canceled', 'expired'] as const;

/** Template params are a flat map of strings and numbers. */
export type Params = Record<string, string | number>;

/** `POST /v1/messages` with a template (public or secret key). */
export interface TemplateMessageRequest {
  template: string;
  /** The recipient, when the template lets the caller choose it. */
  to?: string;
  params?: Params;
  /** Optional channel order for cascading (`["whatsapp", "sms"]`). */
  channels?: Channel[];
  /** A solved CAPTCHA, when the project asks public keys for one on sends (the client solves the relay's own proof of work by itself). */
  captchaToken?: string;
}

/** `POST /v1/messages` with free text (secret key only). */
export interface TextMessageRequest {
  to: string;
  text: string;
  channel: Channel;
  /** Email subject, for the email channel. */
  subject?: string;
  channels?: Channel[];
}

export type SendMessageRequest = TemplateMessageRequest | TextMessageRequest;

/** `202` answer of `POST /v1/messages`. */
export interface SendMessageResponse {
  id: string;
  status: MessageStatus;
  channel: Channel;
  segments: number | null;
  encoding?: 'GSM-7' | 'UCS-2' | null;
  createdAt: string;
}

/** One delivery attempt of a message (one channel through one connector). */
export interface MessageAttempt {
  channel: Channel;
  connector: string;
  providerMessageId: string | null;
  status: MessageStatus;
  errorCode: string | null;
  at: string;
}

/** `GET /v1/messages/:id`. The recipient, and numbers and addresses in `errorMessage`, are masked for public keys. */
export interface MessageResponse {
  id: string;
  status: MessageStatus;
  channel: Channel;
  to: string;
  template: string | null;
  segments: number | null;
  encoding?: 'GSM-7' | 'UCS-2' | null;
  /** Estimated cost from the project's price table (per SMS segment, or per message), when priced. */
  cost?: { eur: number; mad: number } | null;
  providerMessageId: string | null;
  errorCode: string | null;
  /** The provider's words for the last failure; public keys read it with phone numbers and email addresses masked. */
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  attempts?: MessageAttempt[];
}

/** `POST /v1/verify/send`. */
export interface VerifyStartRequest {
  to: string;
  channel?: 'sms' | 'whatsapp' | 'telegram' | 'email' | 'console';
  captchaToken?: string;
}

export interface VerifyStartResponse {
  sessionId: string;
  status: 'pending';
  expiresAt: string;
  resendAfter: string;
}

/** `POST /v1/verify/check`. */
export interface VerifyCheckRequest {
  sessionId: string;
  code: string;
}

export interface VerifyCheckResponse {
  valid: boolean;
  status: 'pending' | 'approved' | 'canceled' | 'expired';
  /** A relay-signed JWT, present when `valid` is true. */
  token?: string;
  /** Wrong codes still accepted before the session closes, when `valid` is false. */
  attemptsRemaining?: number;
}

/** Headers the relay reads or sets. */
export const headers = {
  idempotencyKey: 'Idempotency-Key',
  requestId: 'X-Request-Id',
  idempotentReplayed: 'Idempotent-Replayed',
} as const;
