/**
 * Every event type a webhook endpoint may subscribe to, with what it means:
 * `GET /v1/webhooks/event-types`. Names are part of the public contract: add, never rename.
 */
export const eventTypes = {
  'message.queued': 'A message was accepted and stored; it waits for a worker (or its scheduled time).',
  'message.sent': 'A provider accepted a message for delivery.',
  'message.delivered': 'The provider reports the message reached the recipient.',
  'message.read': 'The recipient read the message (WhatsApp, when the provider reports it).',
  'message.failed': 'A message could not be sent: the relay gave up, or the provider refused it.',
  'message.undelivered': 'The provider accepted a message but could not deliver it.',
  'message.fallback': 'A message moved on to the next channel of its cascade (`data.fromChannel` says which it left).',
  'message.expired': 'A message was not sent before it expired.',
  'message.canceled': 'A scheduled message was canceled before it was sent.',
  'verify.sent': 'A verification code was sent (the first one, or a resend).',
  'verify.approved': 'A verification was completed with the right code.',
  'verify.failed': 'A verification ran out of attempts: too many wrong codes.',
  'verify.expired': 'A verification expired before the right code was given.',
  'contact.created': 'A contact was added to the project (the API, an import).',
  'contact.updated': 'A contact changed.',
  'contact.deleted': 'A contact was deleted.',
  'import.progress': 'A contacts import read more rows (at most once a second while it runs; `data` is the import).',
  'import.completed': 'A contacts import read its whole file (`data` has its counts and `errorsUrl`).',
  'import.failed': 'A contacts import stopped before the end of its file (`data.error` says why).',
  'inbound.received': 'A recipient sent a message to one of the project’s numbers or bots.',
  'opt_out.added': 'A recipient was opted out of the project’s messages (a STOP, a provider report, the API).',
  'opt_out.removed': 'A recipient was opted back in (a START, the API).',
  'webhook.test': 'A test event, sent to one endpoint on request (`POST …/webhooks/:id/test`).',
  'endpoint.disabled':
    'The relay turned one of the project’s webhook endpoints off (it answered 410, or failed for 5 days).',
} as const satisfies Readonly<Record<string, string>>;

export type EventType = keyof typeof eventTypes;

export const eventTypeNames = Object.keys(eventTypes) as EventType[];

export function isEventType(name: string): name is EventType {
  return Object.hasOwn(eventTypes, name);
}
