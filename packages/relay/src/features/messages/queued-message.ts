import type { Channel } from '@messagejs/shared-types';
import type { Message } from '../../store/types.js';
import { newMessageId } from '../../crypto/tokens.js';
import { isPhoneChannel, type Recipient } from '../recipients/recipients.js';
import { countSegments } from '../../domain/segments.js';
import { defaultPriceTable, estimateCost } from '../../domain/pricing.js';
import type { KeyPrincipal } from '../../domain/principal.js';
import type { Project } from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';

/**
 * The sender of a message the relay writes itself (an invite, a notice to owners): a secret key of
 * the project that exists nowhere, named `keyId` in the history (`prefix` says what sent it).
 */
export function relayCaller(project: Project, keyId: string, prefix: string): KeyPrincipal {
  return {
    kind: 'key',
    project,
    key: {
      id: keyId,
      projectId: project.id,
      kind: 'secret',
      prefix,
      name: null,
      createdAt: 0,
      expiresAt: null,
      revokedAt: null,
    },
  };
}

/**
 * A new message, status `queued`, ready for the outbox (pipeline step 8, docs/architecture.md): segments and encoding
 * for phone channels, and the estimated cost of an SMS.
 */
export function queuedMessage(input: {
  caller: KeyPrincipal;
  channel: Channel;
  recipient: Recipient;
  template: string | null;
  templateVersion?: number | null;
  subject: string | null;
  body: string;
  html: string | null;
  cascade?: Channel[];
  fallbackAfterMs?: number | null;
  sensitive?: boolean;
  now: number;
  callbackUrl?: string | null;
}): Message {
  const { caller, channel, recipient, body, now } = input;
  const seg = isPhoneChannel(channel) ? countSegments(body) : null;
  const cost = seg
    ? estimateCost(caller.project.prices ?? defaultPriceTable, {
        channel,
        country: recipient.country,
        segments: seg.segments,
      })
    : null;
  return {
    id: newMessageId(now),
    projectId: caller.project.id,
    keyId: caller.key.id,
    channel,
    to: recipient.address,
    country: recipient.country,
    operator: recipient.operator,
    template: input.template,
    templateVersion: input.templateVersion ?? null,
    subject: input.subject,
    body,
    html: input.html,
    status: 'queued',
    segments: seg?.segments ?? null,
    encoding: seg?.encoding ?? null,
    costEur: cost?.eur ?? null,
    costMad: cost?.mad ?? null,
    cascade: input.cascade ?? [],
    sensitive: input.sensitive ?? false,
    fallbackAfterMs: input.fallbackAfterMs ?? null,
    ...(input.callbackUrl && { callbackUrl: input.callbackUrl }),
    providerMessageId: null,
    connectorId: null,
    errorCode: null,
    errorMessage: null,
    createdAt: now,
    updatedAt: now,
    scheduledAt: null,
    sentAt: null,
    deliveredAt: null,
  };
}

/**
 * A sensitive message as it is stored: its body and subject (both may hold the code) sealed under
 * the master key, so the plaintext never reaches the database, its WAL or its free pages. Only
 * the worker opens them (`openContent`), to hand them to the connector. Segments and cost are
 * counted on the plaintext before sealing (`queuedMessage`).
 */
export function sealContent(message: Message, sealer: Sealer): Message {
  return {
    ...message,
    body: sealer.seal(message.body),
    subject: message.subject === null ? null : sealer.seal(message.subject),
  };
}

/** A sealed value as `Sealer.seal` writes it (`v1.<keyId>.<iv>.<tag>.<ciphertext>`). */
const SEALED = /^v1\.[0-9a-f]{12}\.[\w-]+\.[\w-]+\.[\w-]*$/;

/**
 * The body and subject a connector is handed: opened when the message is sensitive. A sensitive
 * body that is not sealed was stored by a relay before sealing existed and is passed on as it is.
 * Throws when the body was sealed under a master key this relay no longer has.
 */
export function openContent(message: Message, sealer: Sealer | undefined): { body: string; subject: string | null } {
  if (!message.sensitive) return { body: message.body, subject: message.subject };
  const open = (value: string) => {
    if (!SEALED.test(value)) return value;
    if (!sealer) throw new Error('This worker has no sealer to open a sensitive message');
    return sealer.open<string>(value);
  };
  return { body: open(message.body), subject: message.subject === null ? null : open(message.subject) };
}

/**
 * Provider error text about a sensitive message, with every word of its body that could be the
 * code (4 or more characters, digits or capitals only: the shapes codes take) masked: some
 * providers quote the rejected body, and error text is stored and shown.
 */
export function withoutCode(text: string, body: string): string {
  const words = new Set(body.match(/\b[0-9A-Z]{4,}\b/g) ?? []);
  if (words.size === 0) return text;
  return text.replace(/\b[0-9A-Z]{4,}\b/g, (word) => (words.has(word) ? '*'.repeat(word.length) : word));
}
