import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay, fetchChecked } from '../helpers/start-relay.js';

const clientPkg = JSON.parse(fs.readFileSync(new URL('../../../client/package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const built = new URL('../../../client/dist/messagejs.umd.min.js', import.meta.url);

let t: TestRelay;
beforeAll(async () => {
  if (!fs.existsSync(built))
    throw new Error('packages/client/dist is missing: run `pnpm build` (pnpm test does) first.');
  t = await startRelay();
});
afterAll(() => t.cleanup());

describe('GET /sdk/…', () => {
  it('serves the minified bundle to any origin, with an ETag and a short cache', async () => {
    const res = await fetchChecked(`${t.url}/sdk/messagejs.umd.min.js`, {
      headers: { origin: 'https://anywhere.example' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('etag')).toBeTruthy();
    expect(await res.text()).toBe(fs.readFileSync(built, 'utf8'));
  });

  it('serves a versioned path as immutable for a year', async () => {
    const res = await fetchChecked(`${t.url}/sdk/${clientPkg.version}/messagejs.umd.min.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await fetchChecked(`${t.url}/sdk/messagejs.umd.min.js`);
    await first.text();
    // Not fetch(): per the Fetch standard it adds `Cache-Control: no-cache` to a request with
    // If-None-Match, which (rightly) makes the server answer in full. A browser cache revalidating
    // sends no such header, like this plain request.
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get(
          `${t.url}/sdk/messagejs.umd.min.js`,
          { headers: { 'if-none-match': first.headers.get('etag')! } },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        )
        .on('error', reject);
    });
    expect(status).toBe(304);
  });

  it('answers 404 for files it does not have', async () => {
    expect((await fetchChecked(`${t.url}/sdk/nope.js`)).status).toBe(404);
    expect((await fetchChecked(`${t.url}/sdk/0.0.0-nope/messagejs.umd.min.js`)).status).toBe(404);
  });
});
