import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/start-relay.js';
import { snapshot } from '../helpers/store-snapshot.js';
import { addMember, setUpOwner, startAccountsRelay, type Tokens } from '../helpers/accounts.js';

type Write = [method: string, path: string, body: Record<string, unknown> | undefined, permission: string];

/**
 * Every write route of the projects admin API, with bad input and the wrong caller: an unknown
 * field is 400 `validation_failed` naming it, a body that is not JSON is 415, a JSON array 400,
 * a body nested too deep 400 `nesting_too_deep`; a viewer gets 403 naming the permission it lacks,
 * another account's owner 404. Never a 500, and nothing is written.
 */
describe('bad input and the wrong caller on the projects admin API', () => {
  let t: Awaited<ReturnType<typeof startAccountsRelay>>;
  let owner: Tokens;
  let viewer: Tokens;
  let stranger: Tokens;
  let writes: Write[];
  beforeAll(async () => {
    t = await startAccountsRelay({ env: { MESSAGEJS_SIGNUP: 'open' } });
    owner = await setUpOwner(t);
    viewer = await addMember(t, owner, { email: 'viewer@example.com', role: 'viewer' });
    const reg = await call(t, 'POST', '/v1/auth/register', {
      body: { email: 'stranger@example.com', password: 'stranger password' },
    });
    stranger = reg.body as Tokens;
    const p = `/v1/projects/${t.demo.projectId}`;
    const key = await call(t, 'POST', `${p}/keys`, { key: owner.accessToken, body: { kind: 'public' } });
    const connector = await call(t, 'POST', `${p}/connectors`, { key: owner.accessToken, body: { type: 'console' } });
    await call(t, 'POST', `${p}/opt-outs`, { key: owner.accessToken, body: { address: '+212612349999' } });
    const k = `${p}/keys/${key.body.apiKey.id}`;
    const c = `${p}/connectors/${connector.body.id}`;
    writes = [
      ['POST', '/v1/projects', { name: 'New' }, 'manage_settings'],
      ['PATCH', p, { name: 'Renamed' }, 'manage_settings'],
      ['POST', `${p}/origins`, { origin: 'https://new.example' }, 'manage_settings'],
      ['DELETE', `${p}/origins/${encodeURIComponent('http://localhost:8787')}`, undefined, 'manage_settings'],
      ['PUT', `${p}/countries`, { allowedCountries: ['MA'] }, 'manage_settings'],
      ['PUT', `${p}/number-types`, { allowedNumberTypes: ['mobile'] }, 'manage_settings'],
      ['PATCH', `${p}/limits`, { perIpPerMinute: 5 }, 'manage_settings'],
      ['PUT', `${p}/prices`, { prices: { sms: { MA: { eur: 1, mad: 10 } } } }, 'manage_settings'],
      ['DELETE', `${p}/prices`, undefined, 'manage_settings'],
      ['PUT', `${p}/fallbacks/whatsapp`, { to: ['sms'] }, 'manage_settings'],
      ['PATCH', `${p}/verify-settings`, { codeLength: 8 }, 'manage_settings'],
      ['POST', `${p}/keys`, { kind: 'secret' }, 'manage_keys'],
      ['PATCH', k, { name: 'renamed' }, 'manage_keys'],
      ['POST', `${k}/rotate`, { graceSeconds: 10 }, 'manage_keys'],
      ['DELETE', k, undefined, 'manage_keys'],
      ['POST', `${p}/signing-keys/rotate`, undefined, 'manage_keys'],
      ['POST', `${p}/connectors`, { type: 'console' }, 'manage_connectors'],
      ['PATCH', c, { name: 'renamed' }, 'manage_connectors'],
      ['PUT', `${c}/credentials`, { credentials: {} }, 'manage_connectors'],
      ['DELETE', c, undefined, 'manage_connectors'],
      ['POST', `${p}/opt-outs`, { address: '+212612340001' }, 'manage_contacts'],
      ['DELETE', `${p}/opt-outs/+212612349999`, undefined, 'manage_contacts'],
      // Last: it deletes everything above.
      ['DELETE', `${p}?confirm=${t.demo.projectId}`, undefined, 'manage_settings'],
    ];
  });
  afterAll(() => t.cleanup());

  const withBody = () => writes.filter(([, , body]) => body !== undefined);

  it('names an unknown field (400), writing nothing', async () => {
    for (const [method, path, body] of withBody()) {
      const before = await snapshot(t.location);
      const res = await call(t, method, path, { key: owner.accessToken, body: { ...body, unknownField: 1 } });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.error, `${method} ${path}`).toMatchObject({ code: 'validation_failed', field: 'unknownField' });
      expect(await snapshot(t.location), `${method} ${path}`).toEqual(before);
    }
  });

  it('refuses a body that is not JSON (415), a JSON array (400) and one nested too deep (400), writing nothing', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 33; i++) deep = { d: deep };
    for (const [method, path] of withBody()) {
      const before = await snapshot(t.location);
      const text = await call(t, method, path, {
        key: owner.accessToken,
        rawBody: 'name=x',
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.status, `${method} ${path}`).toBe(415);
      expect(text.body.error.code).toBe('unsupported_media_type');
      const array = await call(t, method, path, { key: owner.accessToken, body: [1] });
      expect(array.status, `${method} ${path}`).toBe(400);
      const nested = await call(t, method, path, { key: owner.accessToken, body: { unknownField: deep } });
      expect(nested.status, `${method} ${path}`).toBe(400);
      expect(nested.body.error.code).toBe('nesting_too_deep');
      expect(await snapshot(t.location), `${method} ${path}`).toEqual(before);
    }
  });

  it('answers a viewer 403 naming the permission it lacks, writing nothing', async () => {
    for (const [method, path, body, permission] of writes) {
      const before = await snapshot(t.location);
      const res = await call(t, method, path, { key: viewer.accessToken, ...(body && { body }) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error, `${method} ${path}`).toMatchObject({ code: 'forbidden', permission });
      expect(await snapshot(t.location), `${method} ${path}`).toEqual(before);
    }
  });

  it('answers another account’s owner 404, never 403, writing nothing', async () => {
    for (const [method, path, body] of writes.filter(([, path]) => path !== '/v1/projects')) {
      const before = await snapshot(t.location);
      const res = await call(t, method, path, { key: stranger.accessToken, ...(body && { body }) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code, `${method} ${path}`).toBe('project_not_found');
      expect(await snapshot(t.location), `${method} ${path}`).toEqual(before);
    }
  });

  it('answers without credentials 401 and a project key 401, writing nothing', async () => {
    for (const [method, path, body] of writes) {
      const before = await snapshot(t.location);
      for (const key of [undefined, t.demo.secretKey]) {
        const res = await call(t, method, path, { ...(key && { key }), ...(body && { body }) });
        expect(res.status, `${method} ${path}`).toBe(401);
      }
      expect(await snapshot(t.location), `${method} ${path}`).toEqual(before);
    }
  });

  it('lets the owner make every one of these writes (the table above is valid)', async () => {
    for (const [method, path, body] of writes) {
      const res = await call(t, method, path, { key: owner.accessToken, ...(body && { body }) });
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
    }
  });
});
