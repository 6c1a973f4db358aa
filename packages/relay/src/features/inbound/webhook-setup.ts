import type { Store } from '../../store/types.js';
import type { Sealer } from '../../crypto/sealer.js';
import { AppError } from '../../domain/app-error.js';
import { setTelegramWebhook, telegramConnector } from '../../providers/telegram.js';

/** What `connectors webhook-setup` did. */
export interface WebhookSetup {
  connectorId: string;
  type: string;
  /** The relay's hook URL for the connector: status callbacks and inbound messages. */
  url: string;
  /** True when the relay registered it with the provider itself (Telegram); else `detail` says where to set it. */
  registered: boolean;
  detail: string;
}

/** Where each provider's console takes the URL, for the connectors the relay cannot register itself. */
const consoles: Record<string, string> = {
  twilio:
    'In the Twilio console, set it as the number’s (or Messaging Service’s) "A message comes in" webhook, HTTP POST.',
  'whatsapp-cloud':
    'In the Meta app’s WhatsApp › Configuration, set it as the callback URL with the connector’s verifyToken, and subscribe to `messages`.',
  vonage: 'In the Vonage dashboard, set it as the inbound SMS webhook (POST), with signed webhooks on.',
};

/**
 * `messagejs-relay connectors webhook-setup <id>`: the connector's hook URL,
 * `${MESSAGEJS_PUBLIC_URL}/v1/hooks/<id>`, registered with Telegram (`setWebhook` with the secret
 * token the relay checks), or, for providers whose console takes it, where to paste it. Refused
 * without `MESSAGEJS_PUBLIC_URL`: providers must reach the relay at a public HTTPS address.
 */
export async function setupInboundWebhook(
  store: Store,
  sealer: Sealer,
  connectorId: string,
  options: { publicUrl: string | null; baseUrls?: Record<string, string> },
): Promise<WebhookSetup> {
  if (!options.publicUrl) {
    throw new AppError(
      'validation_failed',
      'Set MESSAGEJS_PUBLIC_URL to the public HTTPS address providers reach this relay at (https://relay.example.com): the webhook URL is made from it.',
      { field: 'MESSAGEJS_PUBLIC_URL' },
    );
  }
  const record = await store.connectors.get(connectorId);
  if (!record) {
    throw new AppError('connector_not_found', `No connector ${connectorId.slice(0, 100)}.`, { field: 'connectorId' });
  }
  const url = `${options.publicUrl}/v1/hooks/${record.id}`;
  if (record.type !== 'telegram') {
    const detail = consoles[record.type] ?? `A ${record.type} connector takes no inbound messages.`;
    return { connectorId: record.id, type: record.type, url, registered: false, detail };
  }
  const credentials = telegramConnector.credentialsSchema.parse(
    record.sealedCredentials ? sealer.open(record.sealedCredentials) : {},
  );
  const baseUrl = options.baseUrls?.telegram;
  await setTelegramWebhook(credentials, url, baseUrl ? { baseUrl } : {});
  return {
    connectorId: record.id,
    type: record.type,
    url,
    registered: true,
    detail: 'Telegram sends the bot’s new messages there, with the secret token the relay checks.',
  };
}
