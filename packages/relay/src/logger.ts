import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino blanks in every log line. Keys, credentials, message bodies and codes never reach a
 * log; recipients are masked where they are logged (`maskAddress`).
 */
export const redactPaths = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'key',
  'secretKey',
  'publicKey',
  'credentials',
  '*.credentials',
  'password',
  '*.password',
  'token',
  '*.token',
  'body',
  '*.body',
  'text',
  '*.text',
  'otp',
  '*.otp',
  'html',
  'params',
  '*.params',
];

/** The relay's pino logger: JSON lines, secrets redacted. */
export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'messagejs-relay' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
