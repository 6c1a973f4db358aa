import type { Channel, MessageCategory, MessagePriority, TemplateCategory } from '@messagejs/shared-types';
import type { z } from 'zod';
import type { textMessageRequestSchema } from '@messagejs/shared-types';
import type { ConnectorRecord, Message, MessageMetadata, Project } from '../../store/types.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import { AppError } from '../../domain/app-error.js';
import { alphanumericSenderAllowed, senderKind } from '../../domain/sender-id.js';
import { canSend, sendersOf, sendsFlash } from '../connectors/capabilities.js';
import type { Recipient } from '../recipients/recipients.js';
import { afterQuietHours, recipientZones } from './quiet-hours.js';

/** The options of a send as the schema reads them (issue 16). */
export type OptionsRequest = Pick<
  z.output<typeof textMessageRequestSchema>,
  'sendAt' | 'expireAt' | 'validFor' | 'priority' | 'category' | 'metadata' | 'reference' | 'from' | 'flash'
>;

/** A year ahead, the furthest `sendAt` may be (366 days: a leap year's). */
export const MAX_SCHEDULE_MS = 366 * 24 * 3600 * 1000;
/** A `sendAt` up to this far in the past is taken as now: the caller's clock and the relay's differ. */
export const SEND_AT_SKEW_MS = 60_000;

/** What the options make of a message before its recipient is known: when, until when, how. */
export interface MessageOptions {
  /** When the caller asked it sent (ms), or null for now. */
  sendAt: number | null;
  expireAt: number | null;
  priority: MessagePriority;
  category: MessageCategory | null;
  reference: string | null;
  metadata: MessageMetadata | null;
  sender: string | null;
  flash: boolean;
}

const secretOnly = ['sendAt', 'priority', 'category', 'from', 'flash'] as const;

/**
 * Checks what the options ask that depends on nothing stored: who may ask them (a page's public
 * key may not schedule, prioritise, pick a sender or send flash SMS), and times in range.
 * `templateCategory` gives a template send its category unless the caller names one.
 */
export function readOptions(
  { key }: KeyPrincipal,
  req: OptionsRequest,
  now: number,
  templateCategory?: TemplateCategory | null,
): MessageOptions {
  // Most sends ask for no option: one shared answer per category, nothing allocated.
  if (
    req.sendAt === undefined &&
    req.expireAt === undefined &&
    req.validFor === undefined &&
    req.priority === undefined &&
    req.category === undefined &&
    req.metadata === undefined &&
    req.reference === undefined &&
    req.from === undefined &&
    req.flash === undefined
  ) {
    return plainOptions(categoryOfTemplate(templateCategory));
  }
  if (key.kind === 'public') {
    const asked = secretOnly.find((name) => req[name] !== undefined);
    if (asked) throw new AppError('validation_failed', `\`${asked}\` needs a secret key.`, { field: asked });
  }
  const sendAt = scheduledTime(req.sendAt, now);
  const expireAt = expiry(req, sendAt ?? now);
  const category = req.category ?? categoryOfTemplate(templateCategory);
  if (req.from !== undefined && senderKind(req.from) === null) {
    throw new AppError(
      'validation_failed',
      '`from` is a number (+E.164), a short code (3 to 8 digits) or a sender id of 1 to 11 letters, digits and spaces with at least one letter.',
      { field: 'from' },
    );
  }
  return {
    sendAt,
    expireAt,
    priority: req.priority ?? defaultPriority(category),
    category,
    reference: req.reference ?? null,
    metadata: req.metadata ?? null,
    sender: req.from ?? null,
    flash: req.flash === true,
  };
}

const plain = new Map<MessageCategory | null, MessageOptions>();
/** The options of a send that asked for none, in `category` (its template's). */
function plainOptions(category: MessageCategory | null): MessageOptions {
  let options = plain.get(category);
  if (!options) {
    options = Object.freeze({
      sendAt: null,
      expireAt: null,
      priority: defaultPriority(category),
      category,
      reference: null,
      metadata: null,
      sender: null,
      flash: false,
    });
    plain.set(category, options);
  }
  return options;
}

/** `sendAt` in ms: null for now (absent, or at most a minute ago); 400 when past or over a year ahead. */
function scheduledTime(sendAt: string | undefined, now: number): number | null {
  if (sendAt === undefined) return null;
  const at = Date.parse(sendAt);
  if (at < now - SEND_AT_SKEW_MS) {
    throw new AppError('validation_failed', '`sendAt` is in the past.', { field: 'sendAt' });
  }
  if (at > now + MAX_SCHEDULE_MS) {
    throw new AppError('validation_failed', '`sendAt` is more than a year ahead.', { field: 'sendAt' });
  }
  return at > now ? at : null;
}

/** `expireAt`, or `validFor` seconds after `from` (the send time); 400 when both, or when it is not after `from`. */
function expiry(req: OptionsRequest, from: number): number | null {
  if (req.expireAt !== undefined && req.validFor !== undefined) {
    throw new AppError('validation_failed', 'Give `expireAt` or `validFor`, not both.', { field: 'validFor' });
  }
  if (req.validFor !== undefined) return from + req.validFor * 1000;
  if (req.expireAt === undefined) return null;
  const at = Date.parse(req.expireAt);
  if (at <= from) {
    throw new AppError(
      'validation_failed',
      req.sendAt === undefined ? '`expireAt` is not in the future.' : '`expireAt` is not after `sendAt`.',
      { field: 'expireAt' },
    );
  }
  return at;
}

/** A template's category as a message's: marketing and promotions are marketing, and so on. */
function categoryOfTemplate(category: TemplateCategory | null | undefined): MessageCategory | null {
  switch (category) {
    case 'marketing':
    case 'promotions':
      return 'marketing';
    case 'otp':
      return 'otp';
    case 'alerts':
      return 'alert';
    case 'other':
    case undefined:
    case null:
      return null;
    default:
      return 'transactional';
  }
}

/** Codes and alerts go first, marketing last, unless the caller says otherwise. */
function defaultPriority(category: MessageCategory | null): MessagePriority {
  if (category === 'otp' || category === 'alert') return 'high';
  return category === 'marketing' ? 'low' : 'normal';
}

/**
 * Checks the sender and flash a message asks for against the channel's connectors and the
 * recipient's country: a connector of the channel must send from that sender (and flash SMS), and
 * an alphanumeric sender id must reach numbers of that country.
 */
export function checkSenderAndFlash(
  options: MessageOptions,
  channel: Channel,
  recipient: Recipient,
  connectors: readonly ConnectorRecord[],
): void {
  if (options.flash) {
    if (channel !== 'sms' && channel !== 'console') {
      throw new AppError('validation_failed', '`flash` is for the sms channel.', { field: 'flash' });
    }
    if (!connectors.some(sendsFlash)) {
      throw new AppError('flash_not_supported', `No connector of the ${channel} channel sends flash SMS.`, {
        field: 'flash',
      });
    }
  }
  const { sender } = options;
  if (sender === null) return;
  if (senderKind(sender) === 'alphanumeric' && (channel === 'sms' || channel === 'whatsapp')) {
    if (channel === 'whatsapp' || !alphanumericSenderAllowed(recipient.country)) {
      throw new AppError(
        'sender_not_allowed',
        channel === 'whatsapp'
          ? 'WhatsApp sends from a number, not an alphanumeric sender id.'
          : `Alphanumeric sender ids do not reach numbers in ${recipient.country}: send from a number.`,
        { field: 'from' },
      );
    }
  }
  if (!connectors.some((c) => canSend(c, options))) {
    const known = connectors.flatMap((c) => {
      const senders = sendersOf(c);
      return senders === 'any' ? [] : senders;
    });
    throw new AppError(
      'sender_not_allowed',
      `No connector of the ${channel} channel sends from \`${sender}\`${known.length > 0 ? ` (its senders: ${known.join(', ')})` : ''}${options.flash ? ' as flash SMS' : ''}.`,
      { field: 'from' },
    );
  }
}

/**
 * When the message is due: its `sendAt` (or now), moved past the project's quiet hours in the
 * recipient's time zone for a marketing message.
 */
export function dueTime(options: MessageOptions, project: Project, recipient: Recipient, now: number): number {
  const at = options.sendAt ?? now;
  const quiet = project.quietHours;
  if (options.category !== 'marketing' || !quiet) return at;
  return afterQuietHours(quiet, recipientZones(recipient.country, quiet.timeZone), at);
}

/** Sets the option fields on the new `message` (only those asked: most messages have none). */
export function applyOptions(message: Message, options: MessageOptions, dueAt: number, now: number): Message {
  if (dueAt > now) {
    message.status = 'scheduled';
    message.scheduledAt = dueAt;
  }
  if (options.priority !== 'normal') message.priority = options.priority;
  if (options.expireAt !== null) message.expireAt = options.expireAt;
  if (options.category !== null) message.category = options.category;
  if (options.reference !== null) message.reference = options.reference;
  if (options.metadata !== null) message.metadata = options.metadata;
  if (options.sender !== null) message.sender = options.sender;
  if (options.flash) message.flash = true;
  return message;
}

const isoOrNull = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/** A message's options as GET and the history show them. */
export function optionsView(m: Message) {
  return {
    sendAt: isoOrNull(m.scheduledAt),
    expireAt: isoOrNull(m.expireAt),
    priority: m.priority ?? 'normal',
    category: m.category ?? null,
    reference: m.reference ?? null,
    metadata: m.metadata ?? null,
    from: m.sender ?? null,
    flash: m.flash === true,
  };
}
