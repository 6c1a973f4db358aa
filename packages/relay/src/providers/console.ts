import { z } from 'zod';
import type { ConnectorDefinition } from './types.js';
import { maskAddress } from '../domain/mask.js';

const configSchema = z.object({}).loose();
const credentialsSchema = z.object({}).loose();

/**
 * Writes to stdout once per turn of the event loop: stdout to a file or terminal is synchronous,
 * one write(2) per message under load otherwise.
 */
function bufferedStdout(): (text: string) => void {
  let chunks: string[] = [];
  const flush = () => {
    const text = chunks.join('');
    chunks = [];
    process.stdout.write(text);
  };
  return (text) => {
    if (chunks.length === 0) setImmediate(flush);
    chunks.push(text);
  };
}

/**
 * What is printed instead of a sensitive message's subject and body outside development projects:
 * codes may be letters as well as digits, so the whole text goes, not code-like runs.
 */
export const SENSITIVE_PLACEHOLDER = '[verification message hidden: codes are printed only for development projects]';

/** The sender and flash marks of the console's header line. */
const extras = (message: { from?: string; flash?: boolean }) =>
  `${message.from ? ` · from ${message.from}` : ''}${message.flash ? ' · flash' : ''}`;

/**
 * The development connector and the relay's default: prints each message to the relay's terminal
 * and reports it `delivered`, so a new relay works with no provider account. The recipient is
 * masked even here, because terminals end up in logs; so is a sensitive message (a verification
 * code) unless its project is a development project.
 */
export const consoleConnector: ConnectorDefinition<z.infer<typeof configSchema>, z.infer<typeof credentialsSchema>> = {
  type: 'console',
  channels: ['console', 'sms', 'whatsapp', 'telegram', 'email', 'chat'],
  configSchema,
  credentialsSchema,
  // Development: any sender, and flash SMS, are printed as asked.
  senders: () => 'any',
  flash: true,
  create({ write = bufferedStdout() }) {
    return {
      type: 'console',
      channels: consoleConnector.channels,
      async send(message, _credentials, ctx) {
        const hide = message.sensitive === true && ctx.revealSensitive !== true;
        const subject = message.subject ? `  subject: ${hide ? SENSITIVE_PLACEHOLDER : message.subject}\n` : '';
        write(
          `\n┌─ messagejs console · ${message.channel} → ${maskAddress(message.to)} · ${message.id}${extras(message)}\n` +
            subject +
            (hide ? SENSITIVE_PLACEHOLDER : message.text)
              .split('\n')
              .map((line) => `│ ${line}`)
              .join('\n') +
            '\n└─\n',
        );
        // No provider, so no provider id (and no provider-id index entries to keep).
        return { providerMessageId: null, status: 'delivered' };
      },
      async test() {
        return { detail: 'The console connector prints messages to the relay terminal; nothing to check.' };
      },
    };
  },
};
