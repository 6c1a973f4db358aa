import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createClient, isMessageJSError, MessageJSError } from '@messagejs/client';
import { call, DEMO_ORIGIN, startRelay, type TestRelay } from '../helpers/start-relay.js';
import { printedCodes, waitForCode, wrongCode } from '../helpers/verify.js';

let t: TestRelay;
beforeAll(async () => {
  t = await startRelay();
});
afterAll(() => t.cleanup());

describe('verify with the real client', () => {
  it('starts, checks and yields a token the backend verifies against the JWKS', async () => {
    const messagejs = createClient({ secretKey: t.demo.secretKey, relayUrl: t.url, retries: 0 });
    const { sessionId, expiresAt, resendAfter, status } = await messagejs.verify.start({
      to: '+212612345678',
      channel: 'sms',
    });
    expect(status).toBe('pending');
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.parse(resendAfter));
    const code = await waitForCode(t, 1);

    expect(await messagejs.verify.check({ sessionId, code: wrongCode(code) })).toEqual({
      valid: false,
      status: 'pending',
      attemptsRemaining: 4,
    });
    const { valid, token } = await messagejs.verify.check({ sessionId, code });
    expect(valid).toBe(true);

    const jwks = (await call(t, 'GET', `/v1/projects/${t.demo.projectId}/jwks.json`)).body;
    const { payload } = await jwtVerify(token!, createLocalJWKSet(jwks), { issuer: t.url, audience: t.demo.projectId });
    expect(payload).toMatchObject({ sub: '+212612345678', channel: 'sms', sid: sessionId });

    const again = await messagejs.verify.check({ sessionId, code }).catch((error: unknown) => error);
    expect(isMessageJSError(again)).toBe(true);
    expect(again).toMatchObject({ code: 'already_verified', status: 409, field: 'sessionId' });
  });

  it('works from a page origin with the public key, and reports relay errors as MessageJSError', async () => {
    const messagejs = createClient({
      publicKey: t.demo.publicKey,
      relayUrl: t.url,
      retries: 0,
      headers: { Origin: DEMO_ORIGIN },
    });
    const before = printedCodes(t).length;
    const { sessionId } = await messagejs.verify.start({ to: '+33612345678', channel: 'whatsapp' });
    const code = await waitForCode(t, before + 1);
    const cooldown = await messagejs.verify
      .start({ to: '+33612345678', channel: 'whatsapp' })
      .catch((error: unknown) => error);
    expect(cooldown).toMatchObject({ code: 'resend_cooldown', status: 429, retryAfter: expect.any(Number) });
    expect((await messagejs.verify.check({ sessionId, code })).valid).toBe(true);

    const unknown = await messagejs.verify
      .check({ sessionId: 'ver_0000000000000000000000', code })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(MessageJSError);
    expect(unknown).toMatchObject({ code: 'verify_session_not_found', status: 404 });
  });
});

describe('examples/node/verify-token.mjs', () => {
  const script = fileURLToPath(new URL('../../../../examples/node/verify-token.mjs', import.meta.url));
  // Asynchronously: the relay runs in this process, a synchronous spawn would block it.
  const run = (token: string, env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [script, token],
        { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
        (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
        },
      );
    });

  it('verifies a token against the relay JWKS, and refuses one for another audience or tampered with', async () => {
    const messagejs = createClient({ secretKey: t.demo.secretKey, relayUrl: t.url, retries: 0 });
    const before = printedCodes(t).length;
    const { sessionId } = await messagejs.verify.start({ to: '+212612345670', channel: 'sms' });
    const { token } = await messagejs.verify.check({ sessionId, code: await waitForCode(t, before + 1) });
    const env = { MESSAGEJS_RELAY_URL: t.url, MESSAGEJS_PROJECT_ID: t.demo.projectId };

    const ok = await run(token!, env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toBe(`verified +212612345670 by sms (session ${sessionId})`);

    const otherAudience = await run(token!, { ...env, MESSAGEJS_PROJECT_ID: 'prj_someoneelse' });
    expect(otherAudience.code).toBe(1);
    const [header, payload, signature] = token!.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: '+212600000000' }),
    ).toString('base64url');
    const tampered = await run(`${header}.${forged}.${signature}`, env);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });
});
