import { describe, expect, it } from 'vitest';
import { connectorRegistry, getConnectorDefinition } from '../../src/providers/registry.js';

// One valid config and credentials per type, as an operator would write them.
const examples: Record<string, { config: unknown; credentials: unknown }> = {
  console: { config: {}, credentials: {} },
  twilio: { config: { from: '+14155550100' }, credentials: { accountSid: `AC${'a'.repeat(32)}`, authToken: 'token' } },
  'whatsapp-cloud': { config: { phoneNumberId: '106540352242922' }, credentials: { accessToken: 'EAAG' } },
  telegram: { config: {}, credentials: { botToken: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw' } },
  smtp: { config: { host: 'smtp.acme.test', from: 'no-reply@acme.test' }, credentials: { user: 'u', pass: 'p' } },
  slack: { config: {}, credentials: { webhookUrl: 'https://hooks.slack.com/services/T0/B0/X' } },
  discord: { config: {}, credentials: { webhookUrl: 'https://discord.com/api/webhooks/1/abc' } },
  vonage: { config: { from: 'Acme' }, credentials: { apiKey: 'k', apiSecret: 's' } },
  webhook: { config: { url: 'https://hooks.acme.test/messagejs' }, credentials: { secret: 'whsec_0123456789abcdef' } },
};

describe('connectorRegistry', () => {
  it('knows every built-in connector', () => {
    expect(Object.keys(connectorRegistry).sort()).toEqual(Object.keys(examples).sort());
  });

  it.each(Object.entries(examples))(
    '%s: its key is its type, its example validates and it creates a matching connector',
    async (type, example) => {
      const definition = getConnectorDefinition(type)!;
      expect(definition.type).toBe(type);
      const config = definition.configSchema.parse(example.config);
      expect(definition.credentialsSchema.safeParse(example.credentials).success).toBe(true);
      const connector = definition.create({ config, write: () => {} });
      expect(connector.type).toBe(type);
      expect(connector.channels).toEqual(definition.channels);
      await connector.close?.();
    },
  );

  it('returns undefined for unknown types and inherited names', () => {
    expect(getConnectorDefinition('carrier-pigeon')).toBeUndefined();
    expect(getConnectorDefinition('toString')).toBeUndefined();
  });
});
