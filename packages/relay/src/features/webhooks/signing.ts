import crypto from 'node:crypto';

/**
 * Webhook signatures per the Standard Webhooks specification
 * (https://www.standardwebhooks.com/, `spec/standard-webhooks.md`): a secret `whsec_<base64>`
 * whose decoded bytes key an HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`, sent as
 * `webhook-signature: v1,<base64>`, several space-separated while a rotated secret still signs.
 * Any Standard Webhooks library verifies what the relay sends; `verifyWebhook` below is the
 * relay's own, for receivers written against `@messagejs/relay`.
 */

const PREFIX = 'whsec_';
/** How far a webhook's timestamp may be from the receiver's clock (the specification's 5 minutes). */
const DEFAULT_TOLERANCE_S = 300;

/** A new signing secret: 32 random bytes (the specification asks 24 to 64). */
export function newWebhookSecret(): string {
  return `${PREFIX}${crypto.randomBytes(32).toString('base64')}`;
}

function secretBytes(secret: string): Buffer {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length === 0) throw new Error('The webhook secret is empty or not base64.');
  return bytes;
}

/** The base64 HMAC of one message under one secret. */
function sign(secret: string, id: string, timestamp: number, body: string): string {
  return crypto.createHmac('sha256', secretBytes(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** The three headers of a webhook signed with each of `secrets` (the current one first). */
export function signatureHeaders(
  secrets: readonly string[],
  message: { id: string; timestamp: number; body: string },
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(message.timestamp),
    'webhook-signature': secrets.map((s) => `v1,${sign(s, message.id, message.timestamp, message.body)}`).join(' '),
  };
}

/** Why `verifyWebhook` refused a request. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

type HeaderBag = Record<string, string | string[] | undefined> | Headers;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const value = bag[name] ?? Object.entries(bag).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a webhook from a MessageJS relay (or any Standard Webhooks sender) and returns its parsed
 * body. `body` must be the raw request body, exactly as received (parse it after). Throws
 * `WebhookVerificationError` when a header is missing, the timestamp is more than `toleranceS`
 * from now (a replay), or no signature matches.
 *
 * @example
 * app.post('/webhooks/messagejs', express.raw({ type: 'application/json' }), (req, res) => {
 *   const event = verifyWebhook({ secret: process.env.MESSAGEJS_WEBHOOK_SECRET, headers: req.headers, body: req.body });
 *   res.sendStatus(204);
 * });
 */
export function verifyWebhook<T = unknown>(options: {
  secret: string;
  headers: HeaderBag;
  body: string | Buffer;
  toleranceS?: number;
  now?: number;
}): T {
  const id = header(options.headers, 'webhook-id');
  const timestamp = header(options.headers, 'webhook-timestamp');
  const signatures = header(options.headers, 'webhook-signature');
  if (!id || !timestamp || !signatures)
    throw new WebhookVerificationError('Missing webhook-id, -timestamp or -signature.');
  const seconds = Number(timestamp);
  const nowS = Math.floor((options.now ?? Date.now()) / 1000);
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowS - seconds) > (options.toleranceS ?? DEFAULT_TOLERANCE_S)) {
    throw new WebhookVerificationError('The webhook timestamp is too old or too new.');
  }
  const body = typeof options.body === 'string' ? options.body : options.body.toString('utf8');
  const expected = Buffer.from(sign(options.secret, id, seconds, body));
  const matches = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || value === undefined) return false;
    const given = Buffer.from(value);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError('No webhook signature matches the secret.');
  return JSON.parse(body) as T;
}
