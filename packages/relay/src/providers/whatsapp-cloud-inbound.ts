/**
 * The messages WhatsApp users send to the business, as the Cloud API's `messages` webhook carries
 * them. Kept apart from `whatsapp-cloud.ts` (sending, signatures, statuses) so each stays one
 * screenful; both are the WhatsApp Cloud API connector.
 */
import { pick } from './http.js';
import type { InboundMessage } from './types.js';

/** The message types whose content is one media object (`{ id, mime_type, sha256, caption? }`) under the type's name. */
const mediaTypes = new Set(['image', 'audio', 'video', 'document', 'sticker']);

/** A string value, or undefined. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The text and media of one `messages[]` item, by its `type`:
 * - `text`: `text.body`;
 * - `image`, `audio`, `video`, `document`, `sticker`: the media id (fetched with the access token
 *   through `GET /{media-id}`) and `mime_type`, the `caption` as text;
 * - `button` (a template's quick reply): `button.text`;
 * - `interactive` (a reply button or list row the business sent): the chosen `title`;
 * - anything else (location, contacts, reaction, order, unsupported…): text '' and no media. The
 *   message is still returned, so the relay knows the user wrote (which opens WhatsApp's 24-hour
 *   customer-service window) even when it cannot show what.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
 */
export function whatsAppContent(item: unknown): Pick<InboundMessage, 'text' | 'media'> {
  const type = text(pick(item, 'type')) ?? '';
  if (type === 'text') return { text: text(pick(item, 'text', 'body')) ?? '', media: [] };
  if (mediaTypes.has(type)) {
    const media = pick(item, type);
    const id = text(pick(media, 'id'));
    return {
      text: text(pick(media, 'caption')) ?? '',
      media: [
        {
          url: text(pick(media, 'url')) ?? null,
          contentType: text(pick(media, 'mime_type')) ?? null,
          ...(id ? { providerMediaId: id } : {}),
        },
      ],
    };
  }
  if (type === 'button') return { text: text(pick(item, 'button', 'text')) ?? '', media: [] };
  if (type === 'interactive') {
    const reply = pick(item, 'interactive', text(pick(item, 'interactive', 'type')) ?? '');
    return { text: text(pick(reply, 'title')) ?? '', media: [] };
  }
  return { text: '', media: [] };
}

/** A WhatsApp number (`16505551234`, or a display number with spaces and dashes) as E.164; '' when it has no digits. */
function e164(value: string | undefined): string {
  const digits = (value ?? '').replace(/\D/g, '');
  return digits ? `+${digits}` : '';
}

/** The sender's profile name: the contact whose `wa_id` is the sender, or the only contact. */
function profileName(contacts: unknown, from: string): string | null {
  if (!Array.isArray(contacts)) return null;
  const list: unknown[] = contacts;
  const contact = list.find((item) => pick(item, 'wa_id') === from) ?? (list.length === 1 ? list[0] : null);
  return text(pick(contact, 'profile', 'name')) ?? null;
}

/**
 * Reads the incoming messages of a webhook body: `entry[].changes[].value.messages[]`, each with
 * its wamid as `id`, the sender's number as `from`, `timestamp` in seconds (a string) and its
 * content by `type` (see `whatsAppContent`); the business number is
 * `value.metadata.display_phone_number`, the sender's name `value.contacts[].profile.name`.
 *
 * Left out: changes to another phone number than `phoneNumberId` (one Meta app may serve several
 * numbers, each its own connector), `system` messages (WhatsApp telling that the user changed
 * number, not something the user wrote), and messages without a sender's phone number (a user
 * known only by a business-scoped user id cannot be answered on a phone channel). Status updates
 * (`value.statuses[]`) are `parseWhatsAppStatuses`'s.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages
 */
export function parseWhatsAppInbound(body: unknown, phoneNumberId?: string): InboundMessage[] {
  const messages: InboundMessage[] = [];
  const entries = pick(body, 'entry');
  for (const entry of Array.isArray(entries) ? entries : []) {
    const changes = pick(entry, 'changes');
    for (const change of Array.isArray(changes) ? changes : []) {
      const value = pick(change, 'value');
      const numberId = pick(value, 'metadata', 'phone_number_id');
      if (phoneNumberId && typeof numberId === 'string' && numberId !== phoneNumberId) continue;
      const to = e164(text(pick(value, 'metadata', 'display_phone_number')));
      const items = pick(value, 'messages');
      for (const item of Array.isArray(items) ? items : []) {
        const id = text(pick(item, 'id'));
        const from = text(pick(item, 'from'));
        if (!id || !from || !/^\d+$/.test(from) || pick(item, 'type') === 'system') continue;
        const timestamp = Number(pick(item, 'timestamp'));
        messages.push({
          providerMessageId: id,
          channel: 'whatsapp',
          from: e164(from),
          to,
          ...whatsAppContent(item),
          at: Number.isFinite(timestamp) && timestamp > 0 ? timestamp * 1000 : null,
          senderName: profileName(pick(value, 'contacts'), from),
        });
      }
    }
  }
  return messages;
}
