/**
 * What Twilio posts to the relay (status callbacks and incoming messages) and how the relay
 * answers it (TwiML). Kept apart from `twilio.ts`, which sends, so each stays one job and one
 * screenful; both are the Twilio connector.
 */
import { headerOf } from './http.js';
import type { InboundMessage, StatusUpdate, WebhookRequest } from './types.js';

/** The fields of a Twilio webhook; a key Twilio repeats comes as an array. */
export type TwilioWebhookParams = Record<string, string | string[] | undefined>;

/** Parses an `application/x-www-form-urlencoded` body the way Twilio's signature expects (repeated keys as arrays). */
export function formParams(rawBody: Buffer): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    const previous = params[key];
    params[key] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return params;
}

/** True when the webhook's body is a form (a POST webhook); a GET webhook carries its fields in the query. */
export function isForm(req: WebhookRequest): boolean {
  return (headerOf(req.headers, 'content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** The fields of a webhook: the form of a POST, or the query of a GET (Twilio lets either be configured). */
export function twilioWebhookParams(req: WebhookRequest): TwilioWebhookParams {
  return isForm(req) ? formParams(req.rawBody) : req.query;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * True when the fields are an incoming message, not a status callback. Twilio's request to the
 * incoming-message webhook carries `MessageSid`, `From`, `To`, `Body`, `NumMedia`… and
 * `SmsStatus=received`, never `MessageStatus`; a status callback always adds `MessageStatus` (and
 * `ErrorCode`) to a subset of those fields, whatever the status, `received` included (it then
 * lacks the `Body`, and taking it as the message would store it empty).
 * https://www.twilio.com/docs/messaging/guides/webhook-request and
 * https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
 */
export function isTwilioInbound(params: TwilioWebhookParams): boolean {
  const sid = first(params.MessageSid) ?? first(params.SmsSid);
  const smsStatus = first(params.SmsStatus);
  return (
    typeof sid === 'string' &&
    typeof first(params.From) === 'string' &&
    params.MessageStatus === undefined &&
    (smsStatus === undefined || smsStatus === 'received')
  );
}

const statusMap: Record<string, StatusUpdate['status']> = {
  queued: 'sent',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'undelivered',
  failed: 'failed',
};

/**
 * Reads a Twilio status callback (form fields `MessageSid`, `MessageStatus`, `ErrorCode`):
 * queued/sending/sent → sent, then delivered, read, undelivered, failed; other statuses
 * (accepted, scheduled, canceled…) and incoming messages report nothing.
 * https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
 */
export function parseTwilioStatus(params: TwilioWebhookParams): StatusUpdate[] {
  if (isTwilioInbound(params)) return [];
  const sid = first(params.MessageSid) ?? first(params.SmsSid);
  const providerStatus = String(first(params.MessageStatus) ?? first(params.SmsStatus));
  const status = Object.hasOwn(statusMap, providerStatus) ? statusMap[providerStatus] : undefined;
  const code = first(params.ErrorCode);
  if (typeof sid !== 'string' || !status) return [];
  const errorCode = typeof code === 'string' && code !== '' ? code : null;
  return [{ providerMessageId: sid, status, errorCode, providerStatus }];
}

/** Twilio sends at most 10 media per message; the bound keeps a huge `NumMedia` from looping long. */
const MAX_MEDIA = 10;

/**
 * Splits a Twilio address into its channel and the bare address: `whatsapp:+14155550100` is
 * WhatsApp, a plain number (or short code) is SMS. Other channel prefixes (`messenger:`, `rcs:`…)
 * belong to channels this connector does not serve: null.
 */
function address(value: string): { channel: 'sms' | 'whatsapp'; address: string } | null {
  if (value.startsWith('whatsapp:')) return { channel: 'whatsapp', address: value.slice('whatsapp:'.length) };
  if (/^[a-z][a-z0-9-]*:/i.test(value)) return null;
  return { channel: 'sms', address: value };
}

const optOutTypes: Record<string, NonNullable<InboundMessage['providerHandledKeyword']>> = {
  STOP: 'stop',
  START: 'start',
  HELP: 'help',
};

/**
 * Reads Twilio's request to the incoming-message webhook (SMS, MMS and WhatsApp): `MessageSid`,
 * `From` and `To` (`whatsapp:`-prefixed on WhatsApp), `Body`, `NumMedia` with `MediaUrl{N}` and
 * `MediaContentType{N}`, `ProfileName` (WhatsApp), and `OptOutType` (STOP, START or HELP) when a
 * Messaging Service with Advanced Opt-Out has already handled the keyword. The request carries no
 * send time, so `at` is null. A status callback, or a message on a channel other than SMS and
 * WhatsApp, gives [].
 * https://www.twilio.com/docs/messaging/guides/webhook-request
 */
export function parseTwilioInbound(params: TwilioWebhookParams): InboundMessage[] {
  if (!isTwilioInbound(params)) return [];
  const sender = address(first(params.From) ?? '');
  if (!sender) return [];
  const sid = (first(params.MessageSid) ?? first(params.SmsSid))!;
  const to = address(first(params.To) ?? '');

  const media: InboundMessage['media'] = [];
  const count = Math.min(Number(first(params.NumMedia) ?? 0) || 0, MAX_MEDIA);
  for (let i = 0; i < count; i++) {
    const url = first(params[`MediaUrl${i}`]);
    if (!url) continue;
    // The media's own SID ends its URL: …/Messages/MM…/Media/ME….
    const mediaSid = /\/Media\/(ME[0-9a-fA-F]{32})$/.exec(url)?.[1];
    media.push({
      url,
      contentType: first(params[`MediaContentType${i}`]) || null,
      ...(mediaSid ? { providerMediaId: mediaSid } : {}),
    });
  }

  const optOut = first(params.OptOutType)?.toUpperCase() ?? '';
  return [
    {
      providerMessageId: sid,
      channel: sender.channel,
      from: sender.address,
      to: to?.address ?? '',
      text: first(params.Body) ?? '',
      media,
      at: null,
      providerHandledKeyword: Object.hasOwn(optOutTypes, optOut) ? optOutTypes[optOut] : null,
      senderName: first(params.ProfileName) || null,
    },
  ];
}

/** The content type Twilio reads TwiML from. https://www.twilio.com/docs/messaging/twiml */
export const TWIML_CONTENT_TYPE = 'text/xml; charset=utf-8';

/**
 * Escapes text for an XML text node: the five predefined entities, and characters XML 1.0 does
 * not allow at all (C0 controls other than tab, line feed and carriage return; U+FFFE, U+FFFF)
 * dropped, since one of them makes the whole document unreadable to Twilio (error 12100).
 */
export function escapeXml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- matching the control characters XML forbids is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

/**
 * The TwiML answering an incoming message with `replies`, one `<Message>` each, sent back to the
 * sender by Twilio; no replies is an empty `<Response/>`, which Twilio takes as "nothing to send".
 * https://www.twilio.com/docs/messaging/twiml/message
 */
export function toTwiml(replies: readonly string[]): string {
  const declaration = '<?xml version="1.0" encoding="UTF-8"?>';
  if (replies.length === 0) return `${declaration}<Response/>`;
  return `${declaration}<Response>${replies.map((reply) => `<Message>${escapeXml(reply)}</Message>`).join('')}</Response>`;
}
