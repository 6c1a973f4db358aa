import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, tempDir, type TestRelay, fetchChecked } from '../helpers/start-relay.js';

const run = promisify(execFile);
const clientDir = new URL('../../../client/', import.meta.url).pathname;
const tarball = path.join(clientDir, 'dist/messagejs-client.tgz');
const order = { template: 'order_update', to: '+212612345678', params: { order: 'A-1', eta: 'soon' } };

let t: TestRelay;
let project: string;
beforeAll(async () => {
  if (!fs.existsSync(tarball)) throw new Error(`${tarball} is missing: run \`pnpm build\` (pnpm test does) first.`);
  t = await startRelay();
  project = tempDir('messagejs-npm-');
  fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "app", "private": true }\n');
});
afterAll(async () => {
  await t.cleanup();
  fs.rmSync(project, { recursive: true, force: true });
});

/** Runs `node` in the app that installed the client; resolves with its stdout. */
async function node(args: string[]): Promise<string> {
  return (await run(process.execPath, args, { cwd: project, env: { ...process.env, NODE_OPTIONS: '' } })).stdout;
}

describe('GET /sdk/messagejs-client.tgz', () => {
  it('serves the packed client, the same bytes as the build packed', async () => {
    const res = await fetchChecked(`${t.url}/sdk/messagejs-client.tgz`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(tarball))).toBe(true);
  });

  it('installs with `npm i <relay>/sdk/messagejs-client.tgz`, and sends through `import` and `require`', async () => {
    // With an empty cache and a registry that does not answer (npm asks it about ky once, in
    // vain): everything comes from the relay, except ky, the client's one dependency, taken from
    // this checkout.
    const ky = fs.realpathSync(path.join(clientDir, 'node_modules/ky'));
    const npm = path.join(path.dirname(process.execPath), 'npm');
    await run(
      npm,
      [
        'install',
        `${t.url}/sdk/messagejs-client.tgz`,
        ky,
        '--prefer-offline',
        '--fetch-retries',
        '0',
        '--no-update-notifier',
        '--cache',
        path.join(project, '.npm-cache'),
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
      ],
      { cwd: project, env: { ...process.env, npm_config_registry: 'http://127.0.0.1:9/' } },
    );
    const installed = path.join(project, 'node_modules/@messagejs/client');
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { license: string };
    expect(manifest.license).toBe('MIT');
    expect(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(fs.existsSync(path.join(installed, 'dist/messagejs-client.tgz'))).toBe(false);

    // The default instance's `init` and a client from `createClient`, each way of loading.
    const options = JSON.stringify({ secretKey: t.demo.secretKey, relayUrl: t.url });
    const sendAndPrint = `createClient(${options}).send(${JSON.stringify(order)}).then((r) => console.log(JSON.stringify({ id: r.id, init: typeof m.init })));`;
    const viaImport = await node([
      '--input-type=module',
      '-e',
      `import m, { createClient } from '@messagejs/client'; ${sendAndPrint}`,
    ]);
    const viaRequire = await node([
      '-e',
      `const m = require('@messagejs/client'); const { createClient } = m; ${sendAndPrint}`,
    ]);
    for (const output of [viaImport, viaRequire]) {
      const answer = JSON.parse(output) as { id: string; init: string };
      expect(answer.id).toMatch(/^msg_/);
      expect(answer.init).toBe('function');
      expect(await t.relay.store.messages.get(answer.id)).toBeTruthy();
    }
  }, 60_000);
});
