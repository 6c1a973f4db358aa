import type { MessageStatus } from '@messagejs/shared-types';

/**
 * How far along a status is. Provider callbacks arrive out of order (Twilio and Meta both say so),
 * so a reported status applies only when it ranks above the current one.
 */
export const statusRank: Readonly<Record<MessageStatus, number>> = Object.freeze({
  scheduled: 0,
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  read: 4,
  canceled: 5,
  expired: 5,
});
