import { z } from 'zod';
import type { ConnectorDefinition } from './types.js';
import { maskAddress } from '../core/mask.js';

const configSchema = z.object({}).loose();
const credentialsSchema = z.object({}).loose();

/**
 * The development connector and the relay's default: prints each message to the relay's terminal
 * and reports it `delivered`, so a new relay works with no provider account. The recipient is
 * masked even here, because terminals end up in logs.
 */
export const consoleConnector: ConnectorDefinition<z.infer<typeof configSchema>, z.infer<typeof credentialsSchema>> = {
  type: 'console',
  channels: ['console', 'sms', 'whatsapp', 'telegram', 'email', 'chat'],
  configSchema,
  credentialsSchema,
  create({ write = (text) => process.stdout.write(text) }) {
    return {
      type: 'console',
      channels: consoleConnector.channels,
      async send(message) {
        const subject = message.subject ? `  subject: ${message.subject}\n` : '';
        write(
          `\n┌─ messagejs console · ${message.channel} → ${maskAddress(message.to)} · ${message.id}\n` +
            subject +
            message.text
              .split('\n')
              .map((line) => `│ ${line}`)
              .join('\n') +
            '\n└─\n',
        );
        return { providerMessageId: `console_${message.id}`, status: 'delivered' };
      },
      async test() {
        return { detail: 'The console connector prints messages to the relay terminal; nothing to check.' };
      },
    };
  },
};
