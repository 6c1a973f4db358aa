import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { callProvider, headerOf, httpError, joinUrl, pick } from './http.js';
import {
  ConnectorError,
  type ConnectorDefinition,
  type ConnectorErrorCode,
  type InboundMessage,
  type OutboundMessage,
  type StatusUpdate,
  type WebhookRequest,
} from './types.js';

const PROVIDER = 'Vonage';
const DEFAULT_BASE_URL = 'https://rest.nexmo.com';

const signatureMethods = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;

const configSchema = z.object({
  /** The sender: a Vonage number (E.164, with or without `+`) or an alphanumeric sender id of up to 11 characters. */
  from: z
    .string()
    .regex(
      /^(\+?\d{6,15}|[A-Za-z0-9 ]{1,11})$/,
      'The `from` is a number like +447700900000 or a sender id of up to 11 letters and digits',
    )
    .meta({ description: 'The sender: a Vonage number (E.164) or a sender id of up to 11 letters and digits.' }),
  /** Other senders of the account a message may choose (`from`). */
  senders: z
    .array(
      z.string().regex(/^(\+?\d{6,15}|[A-Za-z0-9 ]{1,11})$/, 'A number or a sender id of up to 11 letters and digits'),
    )
    .max(100)
    .meta({ description: 'Other senders of the account (numbers, sender ids) a message may choose with `from`.' })
    .optional(),
  /**
   * The "signature method" chosen in the Vonage dashboard, used to check signed delivery receipts.
   * @default 'md5hash'
   */
  signatureMethod: z
    .enum(signatureMethods)
    .meta({ description: 'The signature method chosen in the Vonage dashboard (default md5hash).' })
    .default('md5hash'),
});

const credentialsSchema = z.object({
  apiKey: z.string().min(1).meta({ description: 'The Vonage API key.' }),
  apiSecret: z.string().min(1).meta({ description: 'The Vonage API secret.', secret: true }),
  /** The signature secret: delivery receipts (requested only then) and inbound SMS are accepted only when it is set, because unsigned ones cannot be trusted. */
  signatureSecret: z
    .string()
    .min(1)
    .meta({
      description: 'Checks signed delivery receipts and inbound SMS; without it, neither is accepted.',
      secret: true,
    })
    .optional(),
});

/** Vonage connector settings. */
export type VonageConfig = z.infer<typeof configSchema>;
/** Vonage connector secrets. */
export type VonageCredentials = z.infer<typeof credentialsSchema>;

// The GSM 03.38 default alphabet and its extension table: anything else needs `type=unicode`,
// or Vonage replaces it with `?` (https://developer.vonage.com/en/messaging/sms/guides/concatenation-and-encoding).
const gsm7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà\f^{}\\[~\]|€]*$/;

/** The form fields of `POST /sms/json` (credentials apart). */
export interface VonageParams {
  from: string;
  to: string;
  text: string;
  type?: 'unicode';
  /** `'0'`: a flash SMS (class 0), shown at once and not stored by the handset. */
  'message-class'?: '0';
  'client-ref': string;
  callback?: string;
}

/**
 * Maps a message to the SMS API fields: numbers without the `+` (the message's chosen sender or
 * the connector's), `type=unicode` when the text leaves the GSM-7 alphabet, `message-class=0` for
 * a flash SMS, the relay's message id as `client-ref`, and the delivery-receipt
 * `callback` when given (https://developer.vonage.com/en/api/sms#send-an-sms).
 */
export function toVonageParams(
  message: Pick<OutboundMessage, 'id' | 'to' | 'text' | 'from' | 'flash'>,
  config: Pick<VonageConfig, 'from'>,
  callbackUrl?: string,
): VonageParams {
  const from = message.from ?? config.from;
  return {
    from: /^\+\d+$/.test(from) ? from.slice(1) : from,
    to: message.to.replace(/^\+/, ''),
    text: message.text,
    ...(gsm7.test(message.text) ? {} : { type: 'unicode' as const }),
    ...(message.flash && { 'message-class': '0' as const }),
    // Vonage caps client-ref at 100 characters.
    'client-ref': message.id.slice(0, 100),
    ...(callbackUrl ? { callback: callbackUrl } : {}),
  };
}

/**
 * SMS API per-message status codes (https://developer.vonage.com/en/api-errors/sms); 0 is success.
 */
const statusCodes: Record<string, { kind: 'transient' | 'permanent'; code: ConnectorErrorCode }> = {
  '1': { kind: 'transient', code: 'provider_rate_limited' }, // Throttled
  '2': { kind: 'permanent', code: 'provider_rejected' }, // Missing parameters
  '3': { kind: 'permanent', code: 'provider_rejected' }, // Invalid parameters
  '4': { kind: 'permanent', code: 'provider_auth_failed' }, // Invalid credentials
  '5': { kind: 'transient', code: 'provider_unavailable' }, // Internal error
  '6': { kind: 'permanent', code: 'invalid_recipient' }, // Invalid message: unroutable, unknown prefix
  '7': { kind: 'permanent', code: 'recipient_opted_out' }, // Number barred: on the blocked list
  '8': { kind: 'permanent', code: 'provider_auth_failed' }, // Partner account barred
  '9': { kind: 'permanent', code: 'provider_auth_failed' }, // Partner quota violation: no credit
  '10': { kind: 'transient', code: 'provider_rate_limited' }, // Too many existing binds
  '11': { kind: 'permanent', code: 'provider_auth_failed' }, // Account not enabled for HTTP
  '12': { kind: 'permanent', code: 'provider_rejected' }, // Message too long
  '14': { kind: 'permanent', code: 'provider_auth_failed' }, // Invalid signature
  '15': { kind: 'permanent', code: 'provider_rejected' }, // Invalid sender address
  '22': { kind: 'permanent', code: 'provider_rejected' }, // Invalid network code
  '23': { kind: 'permanent', code: 'provider_rejected' }, // Invalid callback URL
  '29': { kind: 'permanent', code: 'provider_rejected' }, // Non-whitelisted destination (trial account: add the number in the dashboard)
  '32': { kind: 'permanent', code: 'provider_auth_failed' }, // Signature and API secret disallowed
  '33': { kind: 'permanent', code: 'invalid_recipient' }, // Number de-activated
};

/** Maps a non-zero SMS API `messages[].status` (and its `error-text`) to a `ConnectorError`. */
export function vonageStatusError(status: string, errorText?: string): ConnectorError {
  const known = statusCodes[status] ?? { kind: 'permanent', code: 'provider_rejected' };
  return new ConnectorError(known.kind, known.code, `${PROVIDER}: ${errorText || `status ${status}`}`, {
    providerCode: status,
  });
}

/**
 * Checks the `sig` of a signed Vonage webhook: the other parameters sorted by name, joined as
 * `&name=value` with `&` and `=` in values replaced by `_`, then MD5 over that string plus the
 * secret (`md5hash`) or an HMAC keyed with the secret (`md5`, `sha1`, `sha256`, `sha512`); hex,
 * compared case-insensitively in constant time (the algorithm of Vonage's own SDKs,
 * https://developer.vonage.com/en/getting-started/concepts/signing-messages).
 */
export function verifyVonageSignature(
  params: Record<string, string>,
  secret: string,
  method: VonageConfig['signatureMethod'],
): boolean {
  const { sig, ...signed } = params;
  if (!sig) return false;
  const query = Object.keys(signed)
    .sort()
    .map((key) => `&${key}=${(signed[key] ?? '').replace(/[&=]/g, '_')}`)
    .join('');
  const expected =
    method === 'md5hash'
      ? createHash('md5')
          .update(query + secret)
          .digest('hex')
      : createHmac(method, secret).update(query).digest('hex');
  const given = Buffer.from(sig.toLowerCase());
  const wanted = Buffer.from(expected.toLowerCase());
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

const receiptStatus: Record<string, StatusUpdate['status']> = {
  accepted: 'sent',
  buffered: 'sent',
  delivered: 'delivered',
  expired: 'undelivered',
  failed: 'failed',
  rejected: 'failed',
};

/**
 * Reads a delivery receipt (`messageId`, `status`, `err-code`, `message-timestamp` in UTC
 * `YYYY-MM-DD HH:MM:SS`): accepted/buffered → sent, delivered, expired → undelivered,
 * failed/rejected → failed; `unknown` reports nothing.
 * https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts
 */
export function parseVonageReceipt(params: Record<string, string>): StatusUpdate[] {
  if (isVonageInbound(params)) return [];
  const id = params.messageId;
  const providerStatus = params.status ?? '';
  const status = receiptStatus[providerStatus];
  if (!id || !status) return [];
  const errorCode = params['err-code'];
  const at = vonageTime(params['message-timestamp']);
  return [
    {
      providerMessageId: id,
      status,
      errorCode: errorCode && errorCode !== '0' ? errorCode : null,
      providerStatus,
      ...(Number.isNaN(at) ? {} : { at }),
    },
  ];
}

/** A Vonage time (`YYYY-MM-DD HH:MM:SS`, UTC) in ms since the epoch; NaN when unreadable. */
function vonageTime(value: string | undefined): number {
  return value ? Date.parse(`${value.replace(' ', 'T')}Z`) : Number.NaN;
}

/**
 * True when the parameters are an inbound SMS, not a delivery receipt: an inbound message has a
 * `type` (`text`, `unicode` or `binary`) and no `status`; a receipt always has a `status`.
 * https://developer.vonage.com/en/messaging/sms/guides/inbound-sms
 */
export function isVonageInbound(params: Record<string, string>): boolean {
  return (
    params.status === undefined &&
    Boolean(params.messageId) &&
    Boolean(params.msisdn) &&
    ['text', 'unicode', 'binary'].includes(params.type ?? '')
  );
}

/** A Vonage number (digits, no `+`) as E.164; anything else (an alphanumeric sender) as given. */
function vonageAddress(value: string | undefined): string {
  return value && /^\d+$/.test(value) ? `+${value}` : (value ?? '');
}

/**
 * Reads an inbound SMS (`msisdn` the sender, `to` the Vonage number, `messageId`, `type`, `text`,
 * `message-timestamp` in UTC `YYYY-MM-DD HH:MM:SS`). A `binary` message has no text (its `data`
 * and `udh` are not read): its text is ''. A long message arrives in parts (`concat=true` with
 * `concat-ref`, `concat-part`, `concat-total`), each with its own `messageId`: each part is
 * returned as its own message with its own text, stored once by that id; parts are not joined,
 * since they may arrive in any order and on different webhooks. A delivery receipt gives [].
 * https://developer.vonage.com/en/messaging/sms/guides/inbound-sms
 */
export function parseVonageInbound(params: Record<string, string>): InboundMessage[] {
  if (!isVonageInbound(params)) return [];
  const at = vonageTime(params['message-timestamp']);
  return [
    {
      providerMessageId: params.messageId!,
      channel: 'sms',
      from: vonageAddress(params.msisdn),
      to: vonageAddress(params.to),
      text: params.type === 'binary' ? '' : (params.text ?? ''),
      media: [],
      at: Number.isNaN(at) ? null : at,
    },
  ];
}

/** The parameters of a webhook (delivery receipt or inbound SMS), sent as a GET query or a POST form or JSON body. */
function webhookParams(req: WebhookRequest): Record<string, string> {
  const params: Record<string, string> = { ...req.query };
  const contentType = (headerOf(req.headers, 'content-type') ?? '').toLowerCase();
  const body = req.rawBody.toString('utf8');
  if (contentType.startsWith('application/json')) {
    try {
      const json: unknown = JSON.parse(body);
      if (json && typeof json === 'object')
        for (const [key, value] of Object.entries(json)) params[key] = String(value);
    } catch {
      // An unreadable body carries nothing; the signature check fails on it.
    }
  } else if (body) {
    for (const [key, value] of new URLSearchParams(body)) params[key] = value;
  }
  return params;
}

/**
 * Vonage SMS API connector (`POST /sms/json`). Credentials `{ apiKey, apiSecret, signatureSecret? }`,
 * config `{ from, signatureMethod }`. Delivery receipts are requested (`callback`) and accepted only
 * with a signature secret, since unsigned receipts could be forged by anyone knowing the URL; so
 * are inbound SMS, which Vonage signs the same way once the account's signed webhooks are on.
 */
export const vonageConnector: ConnectorDefinition<VonageConfig, VonageCredentials> = {
  type: 'vonage',
  channels: ['sms'],
  configSchema,
  senders: (config) => [config.from, ...(config.senders ?? [])],
  flash: true,
  credentialsSchema,
  create({ config: rawConfig, baseUrl = DEFAULT_BASE_URL }) {
    const config = configSchema.parse(rawConfig);

    return {
      type: 'vonage',
      channels: vonageConnector.channels,
      async send(message, credentials, ctx) {
        const callback = credentials.signatureSecret ? ctx.statusCallbackUrl : undefined;
        const response = await callProvider({
          provider: PROVIDER,
          method: 'POST',
          url: joinUrl(baseUrl, 'sms/json'),
          form: {
            api_key: credentials.apiKey,
            api_secret: credentials.apiSecret,
            ...toVonageParams(message, config, callback),
          },
          signal: ctx.signal,
        });
        if (response.status !== 200) throw httpError(PROVIDER, response);
        // A long text is split into several parts, each with its own status; any failed part fails the send.
        const parts = pick(response.body, 'messages');
        if (!Array.isArray(parts) || parts.length === 0) {
          throw new ConnectorError('transient', 'provider_unavailable', `${PROVIDER}: the answer listed no messages`);
        }
        for (const part of parts) {
          const status = String(pick(part, 'status'));
          if (status !== '0') {
            const errorText = pick(part, 'error-text');
            throw vonageStatusError(status, typeof errorText === 'string' ? errorText : undefined);
          }
        }
        const id = pick(parts[0], 'message-id');
        return { providerMessageId: typeof id === 'string' ? id : null, status: 'sent' };
      },
      async test(credentials, ctx) {
        const url = new URL(joinUrl(baseUrl, 'account/get-balance'));
        url.searchParams.set('api_key', credentials.apiKey);
        url.searchParams.set('api_secret', credentials.apiSecret);
        const response = await callProvider({ provider: PROVIDER, method: 'GET', url: url.href, signal: ctx.signal });
        if (response.status !== 200) throw httpError(PROVIDER, response);
        const value = pick(response.body, 'value');
        return {
          detail: `The Vonage account answers; its balance is ${typeof value === 'number' ? value.toFixed(2) : String(value)} in the account's currency.`,
        };
      },
      verifyWebhook(req, credentials) {
        if (!credentials.signatureSecret) return false;
        const params = webhookParams(req);
        // Signed webhooks carry the send time; Vonage asks receivers to refuse ones older than 5 minutes.
        const timestamp = Number(params.timestamp);
        if (
          params.timestamp !== undefined &&
          (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300)
        )
          return false;
        return verifyVonageSignature(params, credentials.signatureSecret, config.signatureMethod);
      },
      parseStatus(req) {
        return parseVonageReceipt(webhookParams(req));
      },
      parseInbound(req) {
        return parseVonageInbound(webhookParams(req));
      },
    };
  },
};
