import { createRequire } from 'node:module';
import type nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { z } from 'zod';
import { networkError, pick } from './http.js';
import { ConnectorError, type ConnectorDefinition, type OutboundMessage } from './types.js';

// nodemailer is loaded on first use (~15 MB): most relays never send email.
const requireCjs = createRequire(import.meta.url);
let nodemailerModule: typeof nodemailer | undefined;
const loadNodemailer = (): typeof nodemailer => (nodemailerModule ??= requireCjs('nodemailer') as typeof nodemailer);

const PROVIDER = 'SMTP server';

const configSchema = z.object({
  /** The SMTP server's host name. */
  host: z.string().min(1).meta({ description: 'The SMTP server’s host name.' }),
  /**
   * The SMTP port: 587 (submission, STARTTLS), 465 (implicit TLS) or 25.
   * @default 587
   */
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .meta({ description: 'The SMTP port: 587 (STARTTLS, the default), 465 (implicit TLS) or 25.' })
    .default(587),
  /**
   * Implicit TLS from the first byte. When false, nodemailer still upgrades with STARTTLS if the server offers it.
   * @default true on port 465, false otherwise
   */
  secure: z
    .boolean()
    .meta({ description: 'Implicit TLS from the first byte (default: true on port 465, false otherwise).' })
    .optional(),
  /** The sender, as an address or `"Name <address>"`. */
  from: z.string().min(3).meta({ description: 'The sender: an address or "Name <address>".' }),
});

const credentialsSchema = z.object({
  /** The SMTP login, when the server requires one. */
  user: z.string().min(1).meta({ description: 'The SMTP login, when the server requires one.' }).optional(),
  pass: z.string().meta({ description: 'The SMTP password.', secret: true }).optional(),
});

/** SMTP connector settings. */
export type SmtpConfig = z.infer<typeof configSchema>;
/** SMTP connector secrets. */
export type SmtpCredentials = z.infer<typeof credentialsSchema>;

/** Maps a message to nodemailer's mail options: sender from config, subject, text and, when rendered, HTML. */
export function toMailOptions(
  message: Pick<OutboundMessage, 'id' | 'to' | 'text' | 'subject' | 'html'>,
  from: string,
): Mail.Options {
  return {
    from,
    to: message.to,
    subject: message.subject ?? '',
    text: message.text,
    ...(message.html ? { html: message.html } : {}),
    // Lets a bounce or a complaint be traced back to the relay's message.
    headers: { 'X-MessageJS-Id': message.id },
  };
}

/**
 * Maps a nodemailer error to a `ConnectorError` by its SMTP reply code (RFC 5321 §4.2): 4xx is a
 * temporary failure → transient; 5xx is permanent, with 550/551/553 to `RCPT TO` (no such mailbox)
 * → `invalid_recipient` and 530/534/535 (authentication) → `provider_auth_failed`. Failures
 * without a reply (connection refused, DNS, timeouts) are transient.
 */
export function smtpError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const responseCode = pick(error, 'responseCode');
  const code = pick(error, 'code');
  const command = pick(error, 'command');
  const response = pick(error, 'response');
  const text = `${PROVIDER}: ${typeof response === 'string' ? response : error instanceof Error ? error.message : String(error)}`;

  if (typeof responseCode === 'number') {
    if ([530, 534, 535, 538].includes(responseCode) || code === 'EAUTH') {
      return new ConnectorError('permanent', 'provider_auth_failed', text, { providerCode: responseCode });
    }
    if (
      [550, 551, 553].includes(responseCode) &&
      (code === 'EENVELOPE' || (typeof command === 'string' && command.startsWith('RCPT')))
    ) {
      return new ConnectorError('permanent', 'invalid_recipient', text, { providerCode: responseCode });
    }
    if (responseCode >= 400 && responseCode < 500) {
      return new ConnectorError('transient', 'provider_unavailable', text, { providerCode: responseCode });
    }
    return new ConnectorError('permanent', 'provider_rejected', text, { providerCode: responseCode });
  }
  if (code === 'EAUTH') return new ConnectorError('permanent', 'provider_auth_failed', text, { providerCode: code });
  if (code === 'EENVELOPE' || code === 'EMESSAGE')
    return new ConnectorError('permanent', 'provider_rejected', text, { providerCode: code });
  return networkError(PROVIDER, error);
}

/** Settles like `promise`, or rejects with a transient timeout as soon as `signal` aborts. */
function withSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(networkError(PROVIDER, signal.reason, true));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(networkError(PROVIDER, signal.reason, true));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * SMTP email connector (nodemailer, pooled). Credentials `{ user?, pass? }`, config
 * `{ host, port, secure?, from }`; `baseUrl` (`smtp://host:port` or `smtps://host:port`) overrides
 * host, port and TLS. One pooled transporter per set of credentials lives as long as the
 * connector; `close()` ends its connections.
 */
export const smtpConnector: ConnectorDefinition<SmtpConfig, SmtpCredentials> = {
  type: 'smtp',
  channels: ['email'],
  configSchema,
  credentialsSchema,
  create({ config: rawConfig, baseUrl }) {
    const config = configSchema.parse(rawConfig);
    let { host, port } = config;
    let secure = config.secure ?? port === 465;
    if (baseUrl) {
      const url = new URL(baseUrl);
      if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
        throw new Error('The SMTP `baseUrl` looks like smtp://host:port or smtps://host:port');
      host = url.hostname;
      secure = url.protocol === 'smtps:';
      port = url.port ? Number(url.port) : secure ? 465 : 587;
    }

    const transporters = new Map<string, Transporter<SMTPPool.SentMessageInfo>>();
    const transporterFor = (credentials: SmtpCredentials) => {
      const key = `${credentials.user ?? ''}\0${credentials.pass ?? ''}`;
      let transporter = transporters.get(key);
      if (!transporter) {
        const options: SMTPPool.Options = {
          pool: true,
          host,
          port,
          secure,
          ...(credentials.user ? { auth: { user: credentials.user, pass: credentials.pass ?? '' } } : {}),
          // nodemailer waits 2 min for a connection and 10 min on an idle socket by default; the
          // worker's own timeout is shorter, and a stuck socket would hold a pool slot.
          connectionTimeout: 15_000,
          greetingTimeout: 15_000,
          socketTimeout: 60_000,
        };
        transporter = loadNodemailer().createTransport(options);
        if (transporters.size >= 16) {
          const [oldestKey, oldest] = transporters.entries().next().value as [string, Transporter];
          oldest.close();
          transporters.delete(oldestKey);
        }
        transporters.set(key, transporter);
      }
      return transporter;
    };

    return {
      type: 'smtp',
      channels: smtpConnector.channels,
      async send(message, credentials, ctx) {
        try {
          const info = await withSignal(
            transporterFor(credentials).sendMail(toMailOptions(message, config.from)),
            ctx.signal,
          );
          return { providerMessageId: info.messageId ?? null, status: 'sent' };
        } catch (error) {
          throw smtpError(error);
        }
      },
      async test(credentials, ctx) {
        try {
          await withSignal(transporterFor(credentials).verify(), ctx.signal);
        } catch (error) {
          throw smtpError(error);
        }
        return {
          detail: `Connected to ${host}:${port}${credentials.user ? ` and logged in as ${credentials.user}` : ''}.`,
        };
      },
      async close() {
        for (const transporter of transporters.values()) transporter.close();
        transporters.clear();
      },
    };
  },
};
