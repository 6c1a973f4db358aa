import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageJS, createClient, MessageJSError } from '@messagejs/client';
import { publicKey } from './helpers/relay.js';

const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
const bundle = dist('messagejs.umd.min.js');

interface Global extends MessageJS {
  createClient: typeof createClient;
  MessageJSError: typeof MessageJSError;
  isMessageJSError: (value: unknown) => boolean;
}

/** Fails (not skips) when the package was not built. */
function built(file: string): string {
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run \`pnpm build\` (or \`pnpm --filter @messagejs/client build\`) first`);
  }
  return file;
}
const readBundle = () => readFileSync(built(bundle), 'utf8');

/** Evaluates the bundle as a <script> would, in a fresh realm with only the web platform globals. */
function loadScript(): Global {
  const context = createContext({
    fetch,
    Headers,
    Request,
    Response,
    FormData,
    Blob,
    URL,
    URLSearchParams,
    AbortController,
    AbortSignal,
    DOMException,
    ReadableStream,
    TextEncoder,
    TextDecoder,
    crypto: globalThis.crypto,
    setTimeout,
    clearTimeout,
    console,
  });
  context.globalThis = context;
  runInContext(readBundle(), context, { filename: 'messagejs.umd.min.js' });
  return context.messagejs as Global;
}

let server: Server;
let relayUrl: string;
const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ method: request.method, url: request.url, headers: request.headers, body });
      response.writeHead(202, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
      response.end(
        JSON.stringify({
          id: 'msg_umd',
          status: 'queued',
          channel: 'sms',
          segments: 1,
          createdAt: new Date().toISOString(),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('messagejs.umd.min.js', () => {
  it('starts with the version banner', () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(readBundle().split('\n')[0]).toBe(`/*! @messagejs/client v${version} | MIT */`);
  });

  it('defines the global `messagejs` with the instance methods and the named exports', () => {
    const messagejs = loadScript();

    for (const name of ['init', 'send', 'sendForm', 'status', 'createClient', 'isMessageJSError'] as const) {
      expect(typeof messagejs[name], name).toBe('function');
    }
    expect(typeof messagejs.verify.start).toBe('function');
    expect(typeof messagejs.verify.check).toBe('function');
    expect(typeof messagejs.MessageJSError).toBe('function');
  });

  it('exposes every named export of the package', async () => {
    const messagejs = loadScript() as unknown as Record<string, unknown>;
    const named = Object.keys(await import('@messagejs/client')).filter((name) => name !== 'default');

    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(typeof messagejs[name], name).toBe('function');
  });

  it('sends to a relay over real HTTP', async () => {
    const messagejs = loadScript();
    messagejs.init({ publicKey, relayUrl });

    const result = await messagejs.send({ template: 'order_update', to: '+212612345678', params: { order: 'A-1001' } });

    expect(result).toMatchObject({ id: 'msg_umd', status: 'queued' });
    const request = seen.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/messages');
    expect(request.headers.authorization).toBe(`Bearer ${publicKey}`);
    expect(request.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(request.body)).toEqual({
      template: 'order_update',
      to: '+212612345678',
      params: { order: 'A-1001' },
    });
  });

  it('rejects with its own MessageJSError when nothing listens', async () => {
    const messagejs = loadScript();
    const client = messagejs.createClient({ publicKey, relayUrl: 'http://127.0.0.1:9', retries: 0 });

    const error = await client.send({ template: 'contact' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(messagejs.MessageJSError);
    expect(messagejs.isMessageJSError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'MessageJSError', code: 'network_error' });
  });
});

describe('messagejs.cjs under require()', () => {
  it('exports the instance methods, the named exports and `default`', () => {
    const required = createRequire(import.meta.url)(built(dist('messagejs.cjs'))) as Global & { default: MessageJS };

    expect(typeof required.createClient).toBe('function');
    expect(typeof required.init).toBe('function');
    expect(typeof required.default.send).toBe('function');
  });
});

describe('messagejs.mjs', () => {
  it('imports in Node with ky resolved as a dependency', async () => {
    const module = (await import(built(dist('messagejs.mjs')))) as typeof import('@messagejs/client');

    expect(typeof module.default.init).toBe('function');
    expect(typeof module.createClient).toBe('function');
    expect(new module.MessageJSError('x', { code: 'timeout' })).toBeInstanceOf(Error);
  });
});

describe('the built files', () => {
  it("carry no zod: the client imports the contract's types only", () => {
    for (const file of ['messagejs.mjs', 'messagejs.cjs', 'messagejs.umd.min.js', 'index.d.mts', 'index.d.cts']) {
      expect(readFileSync(built(dist(file)), 'utf8'), file).not.toMatch(/\bzod\b|\bZod[A-Z]/);
    }
  });

  it('type a send with `channels`, `fallbackAfter` and `captchaToken`, with nothing but index.d.mts', () => {
    const file = fileURLToPath(new URL('../.tmp-types-check.ts', import.meta.url));
    const code = [
      `import messagejs, { createClient, type TemplateMessageRequest } from ${JSON.stringify(built(dist('index.d.mts')).replace(/\.d\.mts$/, '.mjs'))};`,
      "const message: TemplateMessageRequest = { template: 'otp', to: '+212612345678', channels: ['whatsapp', 'sms'], fallbackAfter: 300, captchaToken: 'tok' };",
      'void messagejs.send(message);',
      "void createClient({ secretKey: 'sk_x', relayUrl: 'http://relay' }).send({ to: '+212612345678', text: 'Hi', channel: 'sms', channels: ['sms'], fallbackAfter: 60 });",
      "void messagejs.verify.start({ to: '+212612345678', captchaToken: 'tok' });",
      '// @ts-expect-error: a misspelt field is refused, as the relay refuses it',
      "void messagejs.send({ template: 'otp', fallbackAftr: 300 });",
    ].join('\n');
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => (name === file ? code : readFile(name));
    host.fileExists = (
      (exists) => (name: string) =>
        name === file || exists(name)
    )(host.fileExists.bind(host));
    const program = ts.createProgram([file], options, host);

    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));

    expect(diagnostics).toEqual([]);
  });
});
