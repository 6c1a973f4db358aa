import type { ConnectorRecord, Message } from '../../store/types.js';
import { getConnectorDefinition } from '../../providers/registry.js';

/**
 * What a connector can do for a message's options (issue 16), read off its type and settings: the
 * senders a message may choose on it (`from`), and flash (class 0) SMS.
 */
export function sendersOf(record: ConnectorRecord): readonly string[] | 'any' {
  const definition = getConnectorDefinition(record.type);
  if (!definition?.senders) return [];
  const parsed = definition.configSchema.safeParse(record.config);
  return parsed.success ? definition.senders(parsed.data) : [];
}

/** True when `record` sends flash SMS. */
export const sendsFlash = (record: ConnectorRecord): boolean => getConnectorDefinition(record.type)?.flash === true;

/** True when `record` can send `message` as asked: from its chosen sender, as flash SMS. */
export function canSend(record: ConnectorRecord, message: Pick<Message, 'sender' | 'flash'>): boolean {
  if (message.flash && !sendsFlash(record)) return false;
  if (message.sender) {
    const senders = sendersOf(record);
    return senders === 'any' || senders.includes(message.sender);
  }
  return true;
}
