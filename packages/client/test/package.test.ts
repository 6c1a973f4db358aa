import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The packed client (dist/messagejs-client.tgz: what npm would publish, and what the relay serves
// at /sdk/messagejs-client.tgz), installed as a dependency the way npm lays it out. Its types must
// work in every resolution mode (issue 12); `pnpm test` also runs @arethetypeswrong/cli and
// publint on it (package.json, `check:package`).
const tarball = fileURLToPath(new URL('../dist/messagejs-client.tgz', import.meta.url));
const execFileAsync = promisify(execFile);

let app: string;
beforeAll(async () => {
  if (!fs.existsSync(tarball)) throw new Error(`${tarball} is missing: run \`pnpm build\` (pnpm test does) first`);
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-types-'));
  const scope = path.join(app, 'node_modules/@messagejs');
  fs.mkdirSync(scope, { recursive: true });
  await execFileAsync('tar', ['-xzf', tarball, '-C', scope]);
  fs.renameSync(path.join(scope, 'package'), path.join(scope, 'client'));
});
afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

/** The diagnostics of type-checking `files` (name → code) in the app, as a Node project with `options`. */
async function typeCheck(files: Record<string, string>, options: ts.CompilerOptions): Promise<string[]> {
  // A type-check blocks for seconds and vitest does not yield between tests: without this, the
  // checks of this file block the worker in one stretch, and vitest's RPC replies go unread past
  // their 60 s timeout on a loaded machine. Yielding first lets the worker read them.
  await new Promise((resolve) => setImmediate(resolve));
  for (const [name, code] of Object.entries(files)) fs.writeFileSync(path.join(app, name), code);
  const program = ts.createProgram(
    Object.keys(files).map((name) => path.join(app, name)),
    // What `tsc --init` leaves a Node project with, but with the libraries checked too: no
    // `lib` (so the default one, DOM included) and no @types.
    { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, types: [], skipLibCheck: false, ...options },
  );
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.basename(d.file.fileName)}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

const nodeNext = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
const init = "{ publicKey: 'pk_x', relayUrl: 'https://relay.example.com' }";
const server = "{ secretKey: 'sk_x', relayUrl: 'https://relay.example.com' }";
const message = "{ template: 'otp', to: '+212612345678', channels: ['whatsapp', 'sms'], fallbackAfter: 300 }";

describe('the packed client', () => {
  it('holds the builds, both types, the README and the LICENSE, and not itself', async () => {
    const files = (await execFileAsync('tar', ['-tzf', tarball], { encoding: 'utf8' })).stdout
      .trim()
      .split('\n')
      .sort();
    for (const file of [
      'package/LICENSE',
      'package/README.md',
      'package/package.json',
      'package/dist/messagejs.mjs',
      'package/dist/messagejs.cjs',
      'package/dist/messagejs.umd.min.js',
      'package/dist/index.d.mts',
      'package/dist/index.d.cts',
    ]) {
      expect(files).toContain(file);
    }
    expect(files.filter((file) => file.endsWith('.tgz'))).toEqual([]);
  });

  it('type-checks `import messagejs from` and named imports in an .mts file (module: nodenext)', async () => {
    const code = [
      "import messagejs, { createClient, isMessageJSError, MessageJSError, type ClientOptions, type SendMessageRequest } from '@messagejs/client';",
      `messagejs.init(${init});`,
      `const options: ClientOptions = ${server};`,
      `const message: SendMessageRequest = ${message};`,
      'const failed = (error: unknown): string | undefined =>',
      '  error instanceof MessageJSError ? error.code : isMessageJSError(error) ? error.requestId : undefined;',
      'export const sent = createClient(options).send(message).catch(failed);',
      "export const status = messagejs.status('msg_1');",
      '// @ts-expect-error: unknown options are refused by the types too',
      "messagejs.init({ publicKey: 'pk_x', relayUrl: 'https://relay.example.com', retry: 3 });",
    ].join('\n');

    expect(await typeCheck({ 'esm.mts': code }, nodeNext)).toEqual([]);
  });

  it('type-checks `require` and a default import in .cts files (module: nodenext)', async () => {
    const required = [
      "import messagejs = require('@messagejs/client');",
      "import type { ClientOptions, MessageJS, MessageJSError } from '@messagejs/client';",
      `messagejs.init(${init});`,
      `messagejs.default.init(${init});`,
      'const instance: MessageJS = messagejs.default;',
      `const options: ClientOptions = ${server};`,
      `export const sent = messagejs.createClient(options).send(${message});`,
      'export const code = (error: MessageJSError): string => error.code;',
      'export const isError = (error: unknown): boolean => error instanceof messagejs.MessageJSError || messagejs.isMessageJSError(error);',
      'export { instance };',
    ].join('\n');
    const defaultImport = [
      "import messagejs, { createClient } from '@messagejs/client';",
      `messagejs.init(${init});`,
      `export const sent = createClient(${server}).send(${message});`,
    ].join('\n');

    expect(await typeCheck({ 'required.cts': required }, nodeNext)).toEqual([]);
    expect(await typeCheck({ 'default-import.cts': defaultImport }, { ...nodeNext, esModuleInterop: true })).toEqual(
      [],
    );
  });

  it.each([
    ['node10', { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 }],
    ['bundler', { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }],
  ])('type-checks `import messagejs from` under moduleResolution %s', async (_, options) => {
    const code = [
      "import messagejs, { createClient } from '@messagejs/client';",
      `messagejs.init(${init});`,
      `export const sent = createClient(${server}).send(${message});`,
    ].join('\n');

    expect(await typeCheck({ 'app.ts': code }, { ...options, esModuleInterop: true })).toEqual([]);
  });
});
