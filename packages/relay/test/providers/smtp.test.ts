import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { smtpConnector, smtpError, toMailOptions } from '../../src/providers/smtp.js';
import type { Connector, OutboundMessage } from '../../src/providers/types.js';
import { rejection, sendContext } from '../helpers/fake-provider.js';
import type { SmtpCredentials } from '../../src/providers/smtp.js';

interface Received {
  from: string | false;
  to: string[];
  raw: string;
  user: string | undefined;
}

const message: OutboundMessage = {
  id: 'msg_1',
  projectId: 'prj_1',
  channel: 'email',
  to: 'ada@example.com',
  subject: 'Your receipt',
  text: 'Thanks for your order',
  html: '<p>Thanks for your order</p>',
};
const smtpFailure = (responseCode: number, text: string) => Object.assign(new Error(text), { responseCode });

/** A real SMTP server (the smtp-server package) on port 0: rejects nobody@, defers busy@, wants alice/secret when auth is used. */
async function startSmtpServer() {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'alice' && auth.password === 'secret') return callback(null, { user: 'alice' });
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (address.address === 'nobody@example.com') return callback(smtpFailure(550, 'No such user here'));
      if (address.address === 'busy@example.com') return callback(smtpFailure(451, 'Try again later'));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom && session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('toMailOptions', () => {
  it('takes the sender from config and subject, text and HTML from the message', () => {
    expect(toMailOptions(message, 'Acme <no-reply@acme.test>')).toEqual({
      from: 'Acme <no-reply@acme.test>',
      to: 'ada@example.com',
      subject: 'Your receipt',
      text: 'Thanks for your order',
      html: '<p>Thanks for your order</p>',
      headers: { 'X-MessageJS-Id': 'msg_1' },
    });
  });
});

describe('smtp.send', () => {
  let server: Awaited<ReturnType<typeof startSmtpServer>>;
  let connector: Connector<SmtpCredentials>;
  beforeAll(async () => {
    server = await startSmtpServer();
  });
  afterAll(() => server.close());
  afterEach(() => connector.close?.());

  const create = () =>
    (connector = smtpConnector.create({
      config: { host: '127.0.0.1', port: server.port, secure: false, from: 'Acme <no-reply@acme.test>' },
    }));

  it('delivers the message to a real SMTP server', async () => {
    const result = await create().send(message, {}, sendContext());
    expect(result.status).toBe('sent');
    expect(result.providerMessageId).toMatch(/^<.+@.+>$/);

    const mail = server.received.at(-1)!;
    expect(mail.from).toBe('no-reply@acme.test');
    expect(mail.to).toEqual(['ada@example.com']);
    expect(mail.raw).toMatch(/^From: Acme <no-reply@acme\.test>$/m);
    expect(mail.raw).toMatch(/^To: ada@example\.com$/m);
    expect(mail.raw).toMatch(/^Subject: Your receipt$/m);
    expect(mail.raw).toMatch(/^X-MessageJS-Id: msg_1$/im);
    expect(mail.raw).toContain('Content-Type: text/plain');
    expect(mail.raw).toContain('Thanks for your order');
    expect(mail.raw).toContain('<p>Thanks for your order</p>');
  });

  it('logs in with the credentials and reuses the pooled connection', async () => {
    const pooled = create();
    await pooled.send(message, { user: 'alice', pass: 'secret' }, sendContext());
    await pooled.send({ ...message, subject: 'Second' }, { user: 'alice', pass: 'secret' }, sendContext());
    expect(server.received.slice(-2).map((mail) => mail.user)).toEqual(['alice', 'alice']);
  });

  it('maps a 550 rejection of the recipient to permanent invalid_recipient', async () => {
    const error = await rejection(create().send({ ...message, to: 'nobody@example.com' }, {}, sendContext()));
    expect(error).toMatchObject({ kind: 'permanent', code: 'invalid_recipient', providerCode: '550' });
  });

  it('maps a 4xx answer to a transient error', async () => {
    const error = await rejection(create().send({ ...message, to: 'busy@example.com' }, {}, sendContext()));
    expect(error).toMatchObject({ kind: 'transient', code: 'provider_unavailable', providerCode: '451' });
  });

  it('maps a refused login to permanent provider_auth_failed', async () => {
    const error = await rejection(create().send(message, { user: 'alice', pass: 'wrong' }, sendContext()));
    expect(error).toMatchObject({ kind: 'permanent', code: 'provider_auth_failed', providerCode: '535' });
  });

  it('maps a refused connection to a transient error', async () => {
    const gone = await startSmtpServer();
    await gone.close();
    connector = smtpConnector.create({ config: { host: '127.0.0.1', port: gone.port, from: 'no-reply@acme.test' } });
    const error = await rejection(connector.send(message, {}, sendContext()));
    expect(error).toMatchObject({ kind: 'transient', code: 'provider_unavailable' });
  });

  it('takes host and port from baseUrl', async () => {
    connector = smtpConnector.create({
      config: { host: 'smtp.invalid', port: 25, from: 'no-reply@acme.test' },
      baseUrl: `smtp://127.0.0.1:${server.port}`,
    });
    await connector.send({ ...message, subject: 'Via baseUrl' }, {}, sendContext());
    expect(server.received.at(-1)!.raw).toMatch(/^Subject: Via baseUrl$/m);
  });

  it('checks the connection and login in test()', async () => {
    await expect(
      create().test!({ user: 'alice', pass: 'secret' }, { signal: new AbortController().signal }),
    ).resolves.toEqual({
      detail: `Connected to 127.0.0.1:${server.port} and logged in as alice.`,
    });
    await expect(
      connector.test!({ user: 'alice', pass: 'nope' }, { signal: new AbortController().signal }),
    ).rejects.toMatchObject({ code: 'provider_auth_failed' });
  });
});

describe('smtpError', () => {
  it.each([
    [{ responseCode: 550, command: 'RCPT TO', code: 'EENVELOPE' }, 'permanent', 'invalid_recipient'],
    [{ responseCode: 553, command: 'RCPT TO' }, 'permanent', 'invalid_recipient'],
    [{ responseCode: 550, command: 'DATA', code: 'EMESSAGE' }, 'permanent', 'provider_rejected'],
    [{ responseCode: 554, command: 'DATA' }, 'permanent', 'provider_rejected'],
    [{ responseCode: 535, command: 'AUTH PLAIN', code: 'EAUTH' }, 'permanent', 'provider_auth_failed'],
    [{ responseCode: 421, command: 'CONN' }, 'transient', 'provider_unavailable'],
    [{ responseCode: 452, command: 'RCPT TO' }, 'transient', 'provider_unavailable'],
    [{ code: 'ECONNECTION' }, 'transient', 'provider_unavailable'],
    [{ code: 'ETIMEDOUT' }, 'transient', 'provider_timeout'],
  ])('maps %j to %s %s', (fields, kind, code) => {
    expect(smtpError(Object.assign(new Error('smtp'), fields))).toMatchObject({ kind, code });
  });
});
