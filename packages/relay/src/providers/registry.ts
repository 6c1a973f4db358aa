import type { ConnectorDefinition } from './types.js';
import { consoleConnector } from './console.js';
import { discordConnector } from './discord.js';
import { slackConnector } from './slack.js';
import { smtpConnector } from './smtp.js';
import { telegramConnector } from './telegram.js';
import { twilioConnector } from './twilio.js';
import { vonageConnector } from './vonage.js';
import { webhookConnector } from './webhook.js';
import { whatsAppCloudConnector } from './whatsapp-cloud.js';

/**
 * Every connector type the relay knows, by type name. Adding a provider is one new file in this
 * folder and one line here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one registry holds definitions with different config types
export const connectorRegistry: Readonly<Record<string, ConnectorDefinition<any, any>>> = Object.freeze({
  console: consoleConnector,
  twilio: twilioConnector,
  'whatsapp-cloud': whatsAppCloudConnector,
  telegram: telegramConnector,
  smtp: smtpConnector,
  slack: slackConnector,
  discord: discordConnector,
  vonage: vonageConnector,
  webhook: webhookConnector,
});

/** The definition of a connector type, or undefined when the type is unknown. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one registry holds definitions with different config types
export function getConnectorDefinition(type: string): ConnectorDefinition<any, any> | undefined {
  return Object.hasOwn(connectorRegistry, type) ? connectorRegistry[type] : undefined;
}
