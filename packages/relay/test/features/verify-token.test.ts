import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose';
import { addConnector, createKey, createProject, rotateSigningKey } from '@messagejs/relay';
import { call, startRelay, type TestRelay } from '../helpers/start-relay.js';
import { count, snapshot } from '../helpers/store-snapshot.js';
import { printedCodes, waitForCode } from '../helpers/verify.js';

let t: TestRelay;
let clock = Date.parse('2026-03-01T09:00:00Z');
afterEach(() => t.cleanup());

const NUMBER = '+212612345678';
const jwksUrl = (projectId = t.demo.projectId) => `${t.url}/v1/projects/${projectId}/jwks.json`;

/** Verifies a number end to end and returns the token. */
async function verifiedToken(key = t.demo.secretKey, to = NUMBER): Promise<string> {
  const before = printedCodes(t).length;
  const started = await call(t, 'POST', '/v1/verify/send', { key, body: { to, channel: 'sms' } });
  expect(started.status).toBe(202);
  const code = await waitForCode(t, before + 1);
  const checked = await call(t, 'POST', '/v1/verify/check', { key, body: { sessionId: started.body.sessionId, code } });
  expect(checked.body.valid).toBe(true);
  return checked.body.token;
}

/** A POST with a Host header of the caller's choosing (fetch may not set one). */
function postWithHost(path: string, host: string, key: string, body: unknown): Promise<{ status: number; body: any }> {
  const url = new URL(path, t.url);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: {
          host,
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'x-forwarded-host': host,
          'x-forwarded-proto': 'https',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Verifies NUMBER with every request naming `host` as the relay, and returns the token. */
async function tokenAskedVia(host: string): Promise<string> {
  const before = printedCodes(t).length;
  const started = await postWithHost('/v1/verify/send', host, t.demo.secretKey, { to: NUMBER, channel: 'sms' });
  expect(started.status).toBe(202);
  const code = await waitForCode(t, before + 1);
  const checked = await postWithHost('/v1/verify/check', host, t.demo.secretKey, {
    sessionId: started.body.sessionId,
    code,
  });
  expect(checked.body.valid).toBe(true);
  return checked.body.token;
}

const fetchJwks = async (projectId?: string) =>
  (await call(t, 'GET', `/v1/projects/${projectId ?? t.demo.projectId}/jwks.json`)).body as JSONWebKeySet;

describe('verification tokens', () => {
  it('are ES256 JWTs that a backend verifies against the project JWKS with jose', async () => {
    t = await startRelay({ deps: { now: () => clock } });
    const token = await verifiedToken();
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl())), {
      issuer: t.url,
      audience: t.demo.projectId,
      currentDate: new Date(clock),
    });
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: expect.any(String), typ: 'JWT' });
    expect(payload).toEqual({
      iss: t.url,
      aud: t.demo.projectId,
      sub: NUMBER,
      channel: 'sms',
      sid: expect.stringMatching(/^ver_/),
      iat: clock / 1000,
      exp: clock / 1000 + 600,
    });
    // Ten minutes later it has expired.
    await expect(
      jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl())), { currentDate: new Date(clock + 601_000) }),
    ).rejects.toBeInstanceOf(errors.JWTExpired);
    // Another project's audience is refused.
    await expect(
      jwtVerify(token, createRemoteJWKSet(new URL(jwksUrl())), { audience: 'prj_other', currentDate: new Date(clock) }),
    ).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
  });

  it('name MESSAGEJS_PUBLIC_URL as their issuer when it is set', async () => {
    t = await startRelay({ env: { MESSAGEJS_PUBLIC_URL: 'https://relay.example.com/' }, deps: { now: () => clock } });
    const token = await verifiedToken();
    const { payload } = await jwtVerify(token, createLocalJWKSet(await fetchJwks()), {
      issuer: 'https://relay.example.com',
      currentDate: new Date(clock),
    });
    expect(payload.iss).toBe('https://relay.example.com');
  });

  it('never take their issuer from the request: a forged Host header changes nothing', async () => {
    t = await startRelay({ deps: { now: () => clock } });
    const token = await tokenAskedVia('relay.evil.example');
    const { payload } = await jwtVerify(token, createLocalJWKSet(await fetchJwks()), { currentDate: new Date(clock) });
    expect(payload.iss).not.toContain('evil');
    // Without MESSAGEJS_PUBLIC_URL, the address the relay listens on.
    expect(payload.iss).toBe(t.url);
    expect(t.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('name MESSAGEJS_PUBLIC_URL whatever Host header the check came with', async () => {
    t = await startRelay({ env: { MESSAGEJS_PUBLIC_URL: 'https://relay.example.com' }, deps: { now: () => clock } });
    const token = await tokenAskedVia('relay.evil.example');
    const { payload } = await jwtVerify(token, createLocalJWKSet(await fetchJwks()), {
      issuer: 'https://relay.example.com',
      currentDate: new Date(clock),
    });
    expect(payload.iss).toBe('https://relay.example.com');
  });
});

describe('GET /v1/projects/:projectId/jwks.json', () => {
  it('is public, readable from any origin and cacheable for 5 minutes, and holds public keys only', async () => {
    t = await startRelay({ deps: { now: () => clock } });
    const res = await call(t, 'GET', `/v1/projects/${t.demo.projectId}/jwks.json`, {
      origin: 'https://backend.example',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.body.keys).toEqual([
      {
        kty: 'EC',
        crv: 'P-256',
        x: expect.any(String),
        y: expect.any(String),
        kid: expect.any(String),
        alg: 'ES256',
        use: 'sig',
      },
    ]);
  });

  it('answers 404 project_not_found for an unknown project', async () => {
    t = await startRelay();
    const res = await call(t, 'GET', '/v1/projects/prj_0000000000000000000000/jwks.json');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('project_not_found');
  });

  it('keeps the previous key after a rotation and drops the one before it on the next', async () => {
    t = await startRelay({ deps: { now: () => clock } });
    const options = { issuer: t.url, audience: t.demo.projectId, currentDate: new Date(clock) };
    const first = await verifiedToken();
    const [k1] = (await fetchJwks()).keys;

    const rotated = await rotateSigningKey(t.relay.store, t.relay.sealer, t.demo.projectId, clock);
    const afterOne = await fetchJwks();
    expect(afterOne.keys.map((k) => k.kid)).toEqual([rotated.kid, k1!.kid]);
    expect(rotated.published).toEqual([rotated.kid, k1!.kid]);
    await expect(jwtVerify(first, createLocalJWKSet(afterOne), options)).resolves.toBeTruthy();
    const second = await verifiedToken(t.demo.secretKey, '+212612345679');
    expect(decodeProtectedHeader(second).kid).toBe(rotated.kid);
    await expect(jwtVerify(second, createLocalJWKSet(afterOne), options)).resolves.toBeTruthy();

    const again = await rotateSigningKey(t.relay.store, t.relay.sealer, t.demo.projectId, clock);
    const afterTwo = await fetchJwks();
    expect(afterTwo.keys.map((k) => k.kid)).toEqual([again.kid, rotated.kid]);
    await expect(jwtVerify(first, createLocalJWKSet(afterTwo), options)).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );
    await expect(jwtVerify(second, createLocalJWKSet(afterTwo), options)).resolves.toBeTruthy();
    // The dropped key is gone from the database too.
    expect(await count(t.location, 'signing_keys')).toBe(2);
  });

  it('creates a key on first use for a project made without one, and keeps its private half sealed', async () => {
    t = await startRelay({ deps: { now: () => clock } });
    const project = await createProject(
      t.relay.store,
      { name: 'Older', allowedCountries: ['MA'], development: true },
      clock,
    );
    await addConnector(t.relay.store, t.relay.sealer, { projectId: project.id, type: 'console' }, clock);
    const key = await createKey(t.relay.store, { projectId: project.id, kind: 'secret' }, clock);
    expect(await t.relay.store.signingKeys.latest(project.id, 2)).toEqual([]);

    const token = await verifiedToken(key.secret);
    const jwks = await fetchJwks(project.id);
    expect(jwks.keys).toHaveLength(1);
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      audience: project.id,
      currentDate: new Date(clock),
    });
    expect(payload.sub).toBe(NUMBER);

    const rows = (await snapshot(t.location)).signing_keys as Array<{
      project_id: string;
      sealed_private_jwk: string;
      public_jwk: string;
    }>;
    const row = rows.find((r) => r.project_id === project.id)!;
    expect(row.sealed_private_jwk).toMatch(/^v1\./);
    expect(row.sealed_private_jwk).not.toContain('"d"');
    expect(JSON.parse(row.public_jwk)).not.toHaveProperty('d');
  });

  it('the demo project has its key from creation', async () => {
    t = await startRelay();
    expect(await t.relay.store.signingKeys.latest(t.demo.projectId, 2)).toHaveLength(1);
  });
});

afterEach(() => {
  clock += 3600_000;
});
