import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { callProvider, headerOf, httpError, joinUrl, parseRetryAfter, pick, type ProviderResponse } from './http.js';
import {
  ConnectorError,
  type ConnectorDefinition,
  type ConnectorErrorCode,
  type OutboundMessage,
  type StatusUpdate,
  type WebhookRequest,
} from './types.js';
import { parseWhatsAppInbound } from './whatsapp-cloud-inbound.js';

export { parseWhatsAppInbound } from './whatsapp-cloud-inbound.js';

const PROVIDER = 'WhatsApp Cloud API';
const DEFAULT_BASE_URL = 'https://graph.facebook.com';

const configSchema = z.object({
  /** The WhatsApp Business phone number id (not the phone number), from the app's WhatsApp › API Setup page. */
  phoneNumberId: z
    .string()
    .regex(/^\d+$/, 'The `phoneNumberId` is the numeric id from WhatsApp › API Setup, not the phone number')
    .meta({ description: 'The WhatsApp Business phone number id (WhatsApp › API Setup), not the number itself.' }),
  /**
   * The Graph API version in the URL.
   * @default 'v21.0'
   */
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, 'The `apiVersion` looks like `v21.0`')
    .meta({ description: 'The Graph API version in the URL (default v21.0).' })
    .default('v21.0'),
});

const credentialsSchema = z.object({
  /** A system-user access token with `whatsapp_business_messaging`. */
  accessToken: z
    .string()
    .min(1)
    .meta({ description: 'A system-user access token with whatsapp_business_messaging.', secret: true }),
  /** The Meta app secret: webhooks are verified with it (`X-Hub-Signature-256`). Without it, no webhook is accepted. */
  appSecret: z
    .string()
    .min(1)
    .meta({ description: 'The Meta app secret: verifies webhooks; without it, none is accepted.', secret: true })
    .optional(),
  /** The token typed into the app's webhook settings, echoed back in the subscription handshake. */
  verifyToken: z
    .string()
    .min(1)
    .meta({
      description: 'The token typed into the app’s webhook settings (the subscription handshake).',
      secret: true,
    })
    .optional(),
});

/** WhatsApp Cloud API connector settings. */
export type WhatsAppCloudConfig = z.infer<typeof configSchema>;
/** WhatsApp Cloud API connector secrets. */
export type WhatsAppCloudCredentials = z.infer<typeof credentialsSchema>;

/** A text parameter of a template component. */
export interface WhatsAppTemplateParameter {
  type: 'text';
  text: string;
  parameter_name?: string;
}

/** The JSON body of `POST /{version}/{phone-number-id}/messages`, for the two kinds this connector sends. */
export type WhatsAppPayload =
  | { messaging_product: 'whatsapp'; to: string; type: 'text'; text: { body: string } }
  | {
      messaging_product: 'whatsapp';
      to: string;
      type: 'template';
      template: {
        name: string;
        language: { code: string };
        components?: Array<{ type: 'body'; parameters: WhatsAppTemplateParameter[] }>;
      };
    };

/**
 * Maps a message to the Cloud API send body. A message whose template names a provider template
 * (`template.provider = { name, language }`) goes out as a template message with its params as body
 * parameters; anything else as a text message (which WhatsApp only delivers inside the 24-hour
 * customer-service window).
 * https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
 */
export function toWhatsAppPayload(message: Pick<OutboundMessage, 'to' | 'text' | 'template'>): WhatsAppPayload {
  const provider = message.template?.provider;
  if (!provider) return { messaging_product: 'whatsapp', to: message.to, type: 'text', text: { body: message.text } };

  const parameters = toTemplateParameters(message.template?.params ?? {});
  return {
    messaging_product: 'whatsapp',
    to: message.to,
    type: 'template',
    template: {
      name: provider.name,
      language: { code: provider.language },
      ...(parameters.length > 0 ? { components: [{ type: 'body' as const, parameters }] } : {}),
    },
  };
}

/**
 * The body parameters of a template, in order. Positional templates (`{{1}}`, `{{2}}`) take params
 * keyed `1`, `2`… sorted by number; named templates (`{{first_name}}`) take their params in
 * insertion order, each with its `parameter_name`, as Meta's named-parameter format requires.
 */
export function toTemplateParameters(params: Record<string, string | number>): WhatsAppTemplateParameter[] {
  const entries = Object.entries(params);
  const positional = entries.every(([key]) => /^[1-9]\d*$/.test(key));
  if (positional) {
    return entries
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, value]) => ({ type: 'text', text: String(value) }));
  }
  return entries.map(([key, value]) => ({ type: 'text', parameter_name: key, text: String(value) }));
}

/**
 * Graph API error codes with a meaning beyond their HTTP status.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 */
const errorCodes: Record<number, { kind: 'transient' | 'permanent'; code: ConnectorErrorCode }> = {
  0: { kind: 'permanent', code: 'provider_auth_failed' }, // AuthException
  1: { kind: 'transient', code: 'provider_unavailable' }, // API Unknown
  2: { kind: 'transient', code: 'provider_unavailable' }, // API Service
  3: { kind: 'permanent', code: 'provider_auth_failed' }, // API Method (capability missing)
  4: { kind: 'transient', code: 'provider_rate_limited' }, // API Too Many Calls
  10: { kind: 'permanent', code: 'provider_auth_failed' }, // Permission Denied
  190: { kind: 'permanent', code: 'provider_auth_failed' }, // Access token has expired
  80007: { kind: 'transient', code: 'provider_rate_limited' }, // WhatsApp Business Account rate limit
  130429: { kind: 'transient', code: 'provider_rate_limited' }, // Cloud API message throughput reached
  131000: { kind: 'transient', code: 'provider_unavailable' }, // Something went wrong
  131016: { kind: 'transient', code: 'provider_unavailable' }, // Service unavailable
  131026: { kind: 'permanent', code: 'invalid_recipient' }, // Message undeliverable (not on WhatsApp, old app…)
  131030: { kind: 'permanent', code: 'invalid_recipient' }, // Recipient not in the test number's allowed list
  131047: { kind: 'permanent', code: 'outside_session_window' }, // Re-engagement: more than 24 h since the last reply
  131050: { kind: 'permanent', code: 'recipient_opted_out' }, // User stopped marketing messages
  131056: { kind: 'transient', code: 'provider_rate_limited' }, // Pair rate limit (same sender → same recipient)
  131057: { kind: 'transient', code: 'provider_unavailable' }, // Account in maintenance mode
};

/**
 * Maps a failed Graph API answer (`{ error: { code, message, error_subcode } }`) to a
 * `ConnectorError`, keeping the Graph code as the provider code.
 */
export function whatsAppError(response: ProviderResponse): ConnectorError {
  const code = pick(response.body, 'error', 'code');
  const rawMessage = pick(response.body, 'error', 'message');
  const message = typeof rawMessage === 'string' ? rawMessage : null;
  const known = typeof code === 'number' ? errorCodes[code] : undefined;
  if (known) {
    return new ConnectorError(known.kind, known.code, `${PROVIDER}: ${message ?? `error ${String(code)}`}`, {
      providerCode: code as number,
      retryAfterMs: known.kind === 'transient' ? parseRetryAfter(response.headers.get('retry-after')) : null,
    });
  }
  return httpError(PROVIDER, response, { message, providerCode: typeof code === 'number' ? code : response.status });
}

/**
 * True when `X-Hub-Signature-256: sha256=<hex>` is the HMAC-SHA256 of the raw body under the app
 * secret (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads).
 * Compared in constant time; a missing or malformed header is false.
 */
export function verifyWhatsAppSignature(appSecret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const statusMap: Record<string, StatusUpdate['status']> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
};

/**
 * Reads the status updates of a webhook body: `entry[].changes[].value.statuses[]`, each with the
 * `wamid` as `id`, `status`, `timestamp` in seconds and, on failure, `errors[0].code`.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components#statuses-object
 */
export function parseWhatsAppStatuses(body: unknown): StatusUpdate[] {
  const updates: StatusUpdate[] = [];
  const entries = pick(body, 'entry');
  for (const entry of Array.isArray(entries) ? entries : []) {
    const changes = pick(entry, 'changes');
    for (const change of Array.isArray(changes) ? changes : []) {
      const statuses = pick(change, 'value', 'statuses');
      for (const item of Array.isArray(statuses) ? statuses : []) {
        const id = pick(item, 'id');
        const providerStatus = String(pick(item, 'status'));
        const status = statusMap[providerStatus];
        if (typeof id !== 'string' || !status) continue;
        const timestamp = Number(pick(item, 'timestamp'));
        const errorCode = pick(item, 'errors', 0, 'code');
        updates.push({
          providerMessageId: id,
          status,
          errorCode: errorCode == null ? null : String(errorCode),
          providerStatus,
          ...(Number.isFinite(timestamp) && timestamp > 0 ? { at: timestamp * 1000 } : {}),
        });
      }
    }
  }
  return updates;
}

/** A webhook's JSON body, or undefined when it is not JSON (it then carries nothing the relay reads). */
function jsonBody(req: WebhookRequest): unknown {
  try {
    return JSON.parse(req.rawBody.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * WhatsApp Cloud API connector (Meta Graph API). Credentials `{ accessToken, appSecret?, verifyToken? }`,
 * config `{ phoneNumberId, apiVersion }`. Sends text messages, or template messages when the
 * template names a Meta-approved one; verifies webhooks and reads their statuses and incoming messages
 * (`whatsapp-cloud-inbound.ts`).
 */
export const whatsAppCloudConnector: ConnectorDefinition<WhatsAppCloudConfig, WhatsAppCloudCredentials> = {
  type: 'whatsapp-cloud',
  channels: ['whatsapp'],
  configSchema,
  credentialsSchema,
  create({ config, baseUrl = DEFAULT_BASE_URL }) {
    const { phoneNumberId, apiVersion } = configSchema.parse(config);
    const phoneUrl = joinUrl(baseUrl, `${apiVersion}/${phoneNumberId}`);

    return {
      type: 'whatsapp-cloud',
      channels: whatsAppCloudConnector.channels,
      async send(message, credentials, ctx) {
        const response = await callProvider({
          provider: PROVIDER,
          method: 'POST',
          url: `${phoneUrl}/messages`,
          headers: { authorization: `Bearer ${credentials.accessToken}` },
          json: toWhatsAppPayload(message),
          signal: ctx.signal,
        });
        if (response.status < 200 || response.status >= 300) throw whatsAppError(response);
        const id = pick(response.body, 'messages', 0, 'id');
        return { providerMessageId: typeof id === 'string' ? id : null, status: 'sent' };
      },
      async test(credentials, ctx) {
        const response = await callProvider({
          provider: PROVIDER,
          method: 'GET',
          url: phoneUrl,
          headers: { authorization: `Bearer ${credentials.accessToken}` },
          signal: ctx.signal,
        });
        if (response.status !== 200) throw whatsAppError(response);
        const name = pick(response.body, 'verified_name');
        const number = pick(response.body, 'display_phone_number');
        return {
          detail: `Phone number ${String(number ?? phoneNumberId)} (${String(name ?? 'unnamed')}) is reachable with this token.`,
        };
      },
      verifyWebhook(req, credentials) {
        if (!credentials.appSecret) return false;
        return verifyWhatsAppSignature(
          credentials.appSecret,
          req.rawBody,
          headerOf(req.headers, 'x-hub-signature-256'),
        );
      },
      handshake(req: WebhookRequest, credentials) {
        // https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
        const token = req.query['hub.verify_token'];
        const challenge = req.query['hub.challenge'];
        if (
          req.query['hub.mode'] !== 'subscribe' ||
          !credentials.verifyToken ||
          token === undefined ||
          challenge === undefined
        ) {
          return null;
        }
        const given = Buffer.from(token);
        const expected = Buffer.from(credentials.verifyToken);
        return given.length === expected.length && timingSafeEqual(given, expected) ? challenge : null;
      },
      parseStatus(req) {
        const body = jsonBody(req);
        return body === undefined ? [] : parseWhatsAppStatuses(body);
      },
      parseInbound(req) {
        const body = jsonBody(req);
        return body === undefined ? [] : parseWhatsAppInbound(body, phoneNumberId);
      },
    };
  },
};
