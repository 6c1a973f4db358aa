import type { InboundMessage } from '@messagejs/shared-types';
import type { InboundRecord } from '../../store/types.js';
import { isoTime } from '../../domain/iso-time.js';
import { maskAddress } from '../../domain/mask.js';

/** One inbound message as the API shows it; `full`: the sender's whole number. */
export function inboundView(m: InboundRecord, full: boolean): InboundMessage {
  return {
    id: m.id,
    projectId: m.projectId,
    direction: 'inbound',
    connectorId: m.connectorId,
    channel: m.channel,
    from: full ? m.from : maskAddress(m.from),
    to: m.to,
    text: m.text,
    media: m.media,
    senderName: m.senderName,
    userId: m.userId,
    keyword: m.keyword,
    autoReply: m.autoReply,
    replyMessageId: m.replyMessageId,
    providerMessageId: m.providerMessageId,
    receivedAt: isoTime(m.receivedAt),
    sentAt: m.sentAt === null ? null : isoTime(m.sentAt),
    processingMs: m.processingMs,
  };
}
