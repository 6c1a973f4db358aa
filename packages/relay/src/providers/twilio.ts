import { createRequire } from 'node:module';
import type twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { MessageListInstanceCreateOptions } from 'twilio/lib/rest/api/v2010/account/message.js';
import { z } from 'zod';
import { headerOf, networkError, parseRetryAfter, pick, rebase } from './http.js';
import { ConnectorError, type ConnectorDefinition, type ConnectorErrorCode, type OutboundMessage } from './types.js';
import {
  formParams,
  isForm,
  parseTwilioInbound,
  parseTwilioStatus,
  toTwiml,
  TWIML_CONTENT_TYPE,
  twilioWebhookParams,
} from './twilio-webhooks.js';

export { parseTwilioInbound, parseTwilioStatus, toTwiml } from './twilio-webhooks.js';

const PROVIDER = 'Twilio';

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'Use E.164, like +14155550100');

/** Other senders of the account a message may choose (`from`): numbers or alphanumeric ids. */
const sendersSchema = z
  .array(
    z.union([
      e164,
      z
        .string()
        .regex(/^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/, 'An alphanumeric sender id has 1 to 11 letters, digits or spaces'),
    ]),
  )
  .max(100)
  .meta({ description: 'Other senders of the account (numbers, alphanumeric ids) a message may choose with `from`.' })
  .optional();

const configSchema = z
  .object({
    from: z
      .union([
        e164,
        z
          .string()
          .regex(
            /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/,
            'An alphanumeric sender id has 1 to 11 letters, digits or spaces, at least one a letter',
          ),
      ])
      .meta({ description: 'The sending number (+E.164) or an alphanumeric sender id (SMS only).' })
      .optional(),
    messagingServiceSid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'A Messaging Service SID looks like MG followed by 32 hex digits')
      .meta({ description: 'A Messaging Service (MG…) that picks the sender; used instead of `from`.' })
      .optional(),
    whatsappFrom: e164.meta({ description: 'The WhatsApp sender (+E.164) when it differs from `from`.' }).optional(),
    senders: sendersSchema,
  })
  .refine(
    (config) =>
      config.from !== undefined || config.messagingServiceSid !== undefined || config.whatsappFrom !== undefined,
    {
      message: 'Set `from` (a Twilio number like +14155550100) or `messagingServiceSid` (MG…)',
    },
  );

const accountSid = z
  .string()
  .regex(/^AC[0-9a-fA-F]{32}$/, 'The Account SID looks like AC followed by 32 hex digits')
  .meta({ description: 'The Account SID (AC…), from the Twilio console.' });

const credentialsSchema = z
  .union([
    z.object({
      accountSid,
      authToken: z
        .string()
        .min(1)
        .meta({ description: 'The auth token: authenticates API calls and signs status callbacks.', secret: true }),
    }),
    z.object({
      accountSid,
      apiKey: z
        .string()
        .regex(/^SK[0-9a-fA-F]{32}$/, 'An API key SID looks like SK followed by 32 hex digits')
        .meta({ description: 'An API key SID (SK…), the revocable alternative to the auth token.' }),
      apiSecret: z.string().min(1).meta({ description: 'The API key’s secret.', secret: true }),
      authToken: z
        .string()
        .min(1)
        .meta({ description: 'Still needed to verify status callbacks, which Twilio signs with it.', secret: true })
        .optional(),
    }),
  ])
  .meta({ description: 'Either accountSid and authToken, or accountSid, apiKey and apiSecret.' });

/** Twilio connector settings. */
export type TwilioConfig = z.infer<typeof configSchema>;
/** Twilio connector secrets. */
export type TwilioCredentials = z.infer<typeof credentialsSchema>;

/**
 * Maps a message to the parameters of `client.messages.create` (form fields `To`, `From` or
 * `MessagingServiceSid`, `Body`, `StatusCallback`). WhatsApp addresses take the `whatsapp:` prefix
 * (https://www.twilio.com/docs/whatsapp/api#sending-messages). A WhatsApp message whose template
 * names a Twilio Content template (`HX…`) is sent as `ContentSid` + `ContentVariables`, the only
 * way to write outside the 24-hour window.
 */
export function toTwilioParams(
  message: Pick<OutboundMessage, 'channel' | 'to' | 'text' | 'template' | 'from'>,
  config: TwilioConfig,
  statusCallbackUrl?: string,
): MessageListInstanceCreateOptions {
  const whatsapp = message.channel === 'whatsapp';
  const address = (value: string) => (whatsapp && !value.startsWith('whatsapp:') ? `whatsapp:${value}` : value);
  const params: MessageListInstanceCreateOptions = { to: address(message.to) };

  // A sender the message chose goes as `From`, beside the Messaging Service when there is one
  // (Twilio then checks that the service owns it).
  if (message.from) {
    params.from = address(message.from);
    if (config.messagingServiceSid && !whatsapp) params.messagingServiceSid = config.messagingServiceSid;
  } else if (whatsapp && config.whatsappFrom) params.from = address(config.whatsappFrom);
  else if (config.messagingServiceSid) params.messagingServiceSid = config.messagingServiceSid;
  else if (config.from) params.from = address(config.from);

  const contentSid = whatsapp ? message.template?.provider?.name : undefined;
  if (contentSid && /^HX[0-9a-fA-F]{32}$/.test(contentSid)) {
    params.contentSid = contentSid;
    const variables = Object.fromEntries(
      Object.entries(message.template?.params ?? {}).map(([key, value]) => [key, String(value)]),
    );
    params.contentVariables = JSON.stringify(variables);
  } else {
    params.body = message.text;
  }
  if (statusCallbackUrl) params.statusCallback = statusCallbackUrl;
  return params;
}

/**
 * Twilio error codes with a meaning beyond their HTTP status (https://www.twilio.com/docs/api/errors).
 */
const errorCodes: Record<number, { kind: 'transient' | 'permanent'; code: ConnectorErrorCode }> = {
  20003: { kind: 'permanent', code: 'provider_auth_failed' }, // Authentication failed
  20429: { kind: 'transient', code: 'provider_rate_limited' }, // Too many requests
  21211: { kind: 'permanent', code: 'invalid_recipient' }, // Invalid 'To' phone number
  21408: { kind: 'permanent', code: 'country_not_allowed' }, // Permission to send to this region not enabled
  21610: { kind: 'permanent', code: 'recipient_opted_out' }, // Recipient replied STOP
  21612: { kind: 'permanent', code: 'invalid_recipient' }, // 'To' not reachable from this 'From'
  21614: { kind: 'permanent', code: 'invalid_recipient' }, // 'To' is not a mobile number
  63003: { kind: 'permanent', code: 'invalid_recipient' }, // Channel could not find the 'To' address
  63016: { kind: 'permanent', code: 'outside_session_window' }, // WhatsApp free-form message outside the 24-hour window
};

/**
 * Maps whatever the twilio client threw to a `ConnectorError`: a `RestException` by its Twilio
 * code, then by HTTP status (429 and 5xx transient); an axios failure without an answer as a
 * transient timeout or network error.
 */
export function twilioError(
  error: unknown,
  options: { retryAfterMs?: number | null; signal?: AbortSignal } = {},
): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const status = pick(error, 'status');
  if (typeof status !== 'number') {
    // axios names its own abort `CanceledError` (code ERR_CANCELED) and its timeout ECONNABORTED.
    const code = pick(error, 'code');
    return networkError(
      PROVIDER,
      error,
      options.signal?.aborted === true || code === 'ERR_CANCELED' || code === 'ECONNABORTED',
    );
  }

  const rawCode = pick(error, 'code');
  const twilioCode = typeof rawCode === 'number' ? rawCode : null;
  const rawMessage = pick(error, 'message');
  const message = `${PROVIDER}: ${typeof rawMessage === 'string' ? rawMessage : `HTTP ${status}`}`;
  const providerCode = twilioCode ?? status;
  const retryAfterMs = options.retryAfterMs ?? null;

  const known = twilioCode === null ? undefined : errorCodes[twilioCode];
  if (known)
    return new ConnectorError(known.kind, known.code, message, {
      providerCode,
      retryAfterMs: known.kind === 'transient' ? retryAfterMs : null,
    });
  if (status === 429)
    return new ConnectorError('transient', 'provider_rate_limited', message, { providerCode, retryAfterMs });
  if (status >= 500)
    return new ConnectorError('transient', 'provider_unavailable', message, { providerCode, retryAfterMs });
  if (status === 401 || status === 403)
    return new ConnectorError('permanent', 'provider_auth_failed', message, { providerCode });
  return new ConnectorError('permanent', 'provider_rejected', message, { providerCode });
}

/** What one send shares with the HTTP client underneath the twilio package. */
interface CallScope {
  signal: AbortSignal;
  retryAfterMs: number | null;
}

/**
 * The send whose `messages.create()` is running its synchronous part right now: the twilio
 * package calls its HTTP client synchronously from `create()` (Version → Domain → Twilio →
 * RequestClient), so the client picks its call up from here, then tags the request with a header
 * that the axios interceptor trades for the call's signal. Not `AsyncLocalStorage`: it turns on
 * promise hooks for the whole process, and axios makes dozens of promises per request (about a
 * tenth of the worker's CPU per message went to them).
 */
let starting: CallScope | null = null;
const CALL_HEADER = 'X-MessageJS-Call';
const inFlight = new Map<string, CallScope>();
let callSeq = 0;

// The twilio package is loaded on first use: it adds ~25 MB to a relay that may never send
// through Twilio (it is CommonJS, so a synchronous require works inside the sync factory).
const requireCjs = createRequire(import.meta.url);
let twilioModule: typeof twilio | undefined;
const loadTwilio = (): typeof twilio => (twilioModule ??= requireCjs('twilio') as typeof twilio);

/**
 * The twilio package's own `RequestClient` (axios, keep-alive agent), with three additions:
 * requests go to `baseUrl` instead of `https://*.twilio.com` when one is given; the current send's
 * `AbortSignal` reaches axios, so the worker's timeout really aborts the request; and the
 * `Retry-After` header of a 429/5xx is kept, because `RestException` drops the headers.
 * The signal and header travel with the call (see `starting`) because `messages.create()` has no
 * per-call option for them, and one client is shared by every send.
 */
const defineRelayRequestClient = (base: typeof twilio.RequestClient) =>
  class RelayRequestClient extends base {
    readonly #baseUrl: string | undefined;

    constructor(baseUrl: string | undefined) {
      super({ keepAlive: true });
      this.#baseUrl = baseUrl;
      this.axios.interceptors.request.use((request) => {
        const id = request.headers.get(CALL_HEADER);
        if (typeof id === 'string') {
          request.headers.delete(CALL_HEADER);
          const scope = inFlight.get(id);
          if (scope) request.signal = scope.signal;
        }
        return request;
      });
    }

    override async request<TData>(options: RequestClient.RequestOptions<TData>) {
      const scope = starting;
      starting = null;
      const id = scope ? String(++callSeq) : null;
      if (id) inFlight.set(id, scope!);
      try {
        const response = await super.request({
          ...options,
          uri: rebase(options.uri, this.#baseUrl),
          ...(id && { headers: { ...options.headers, [CALL_HEADER]: id } }),
        });
        if (scope && (response.statusCode === 429 || response.statusCode >= 500)) {
          const retryAfter: unknown = pick(response.headers, 'retry-after');
          scope.retryAfterMs = parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : null);
        }
        return response;
      } finally {
        if (id) inFlight.delete(id);
      }
    }
  };
let RelayRequestClient: ReturnType<typeof defineRelayRequestClient> | undefined;

/**
 * Runs one call of the twilio package (`run`) as the current send (see `starting`), so its request
 * gets `signal` and keeps a `Retry-After`, and turns its failure into a `ConnectorError`.
 */
async function callTwilio<T>(signal: AbortSignal, run: () => Promise<T>): Promise<T> {
  const scope: CallScope = { signal, retryAfterMs: null };
  try {
    let pending: Promise<T>;
    starting = scope;
    try {
      pending = run();
    } finally {
      starting = null;
    }
    return await pending;
  } catch (error) {
    throw twilioError(error, { retryAfterMs: scope.retryAfterMs, signal });
  }
}

/**
 * One twilio client per set of credentials, made on first use and kept (at most 32), all sharing
 * `httpClient`.
 */
function twilioClients(
  tw: typeof twilio,
  httpClient: RequestClient,
): (credentials: TwilioCredentials) => twilio.Twilio {
  const clients = new Map<string, twilio.Twilio>();
  return (credentials) => {
    const key =
      'apiKey' in credentials
        ? `${credentials.accountSid}:${credentials.apiKey}:${credentials.apiSecret}`
        : `${credentials.accountSid}:${credentials.authToken}`;
    let client = clients.get(key);
    if (!client) {
      client =
        'apiKey' in credentials
          ? tw(credentials.apiKey, credentials.apiSecret, { accountSid: credentials.accountSid, httpClient })
          : tw(credentials.accountSid, credentials.authToken, { httpClient });
      // Credentials rotate rarely; a small bound keeps rotated-out secrets from piling up.
      if (clients.size >= 32) clients.delete(clients.keys().next().value as string);
      clients.set(key, client);
    }
    return client;
  };
}

/**
 * Twilio connector (SMS and WhatsApp, through the `twilio` package). Credentials
 * `{ accountSid, authToken }` or `{ accountSid, apiKey, apiSecret, authToken? }`; config
 * `{ from?, messagingServiceSid?, whatsappFrom?, senders? }`, one sender required; a message may
 * choose any of them as its `from`. No flash SMS (Twilio's API has no message class). One twilio client per
 * set of credentials is kept for the connector's life, all sharing one keep-alive HTTP client.
 * Its webhooks (status callbacks and incoming messages, answered with TwiML) are read in
 * `twilio-webhooks.ts`.
 */
export const twilioConnector: ConnectorDefinition<TwilioConfig, TwilioCredentials> = {
  type: 'twilio',
  channels: ['sms', 'whatsapp'],
  configSchema,
  credentialsSchema,
  senders: (config) =>
    [config.from, config.whatsappFrom, ...(config.senders ?? [])].filter((s): s is string => s !== undefined),
  create({ config: rawConfig, baseUrl }) {
    const config = configSchema.parse(rawConfig);
    const tw = loadTwilio();
    RelayRequestClient ??= defineRelayRequestClient(tw.RequestClient);
    const httpClient = new RelayRequestClient(baseUrl);

    const clientFor = twilioClients(tw, httpClient);

    return {
      type: 'twilio',
      channels: twilioConnector.channels,
      async send(message, credentials, ctx) {
        const client = clientFor(credentials);
        const created = await callTwilio(ctx.signal, () =>
          client.messages.create(toTwilioParams(message, config, ctx.statusCallbackUrl)),
        );
        return { providerMessageId: created.sid, status: 'sent' };
      },
      async test(credentials, ctx) {
        const client = clientFor(credentials);
        const account = await callTwilio(ctx.signal, () => client.api.v2010.accounts(credentials.accountSid).fetch());
        if (account.status !== 'active') {
          throw new ConnectorError(
            'permanent',
            'provider_auth_failed',
            `The Twilio account "${account.friendlyName}" is ${account.status}.`,
            {
              providerCode: account.status,
            },
          );
        }
        return { detail: `The Twilio account "${account.friendlyName}" is active.` };
      },
      verifyWebhook(req, credentials) {
        // Twilio signs callbacks with the auth token (never an API key) over the public URL and the form fields.
        // https://www.twilio.com/docs/usage/webhooks/webhooks-security
        const signature = headerOf(req.headers, 'x-twilio-signature');
        if (!credentials.authToken || !signature) return false;
        const params = isForm(req) ? formParams(req.rawBody) : {};
        try {
          return tw.validateRequest(credentials.authToken, signature, req.url, params);
        } catch {
          return false;
        }
      },
      parseStatus(req) {
        return parseTwilioStatus(twilioWebhookParams(req));
      },
      parseInbound(req) {
        return parseTwilioInbound(twilioWebhookParams(req));
      },
      replyToInbound(replies) {
        return { contentType: TWIML_CONTENT_TYPE, body: toTwiml(replies) };
      },
    };
  },
};
