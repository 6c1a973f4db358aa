import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { openApiDocumentSchema } from '@messagejs/shared-types';
import { AppError } from '../../domain/app-error.js';
import { buildOpenApiDocument, type OpenApiInfo } from './openapi.js';
import type { Route } from './route.js';

/** The viewer's files served from the installed `swagger-ui-dist`, by name and media type: nothing else of it. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/**
 * The page is static and loads only the relay's own files: no CDN, and no inline script, so the
 * Content-Security-Policy helmet sets (`script-src 'self'`) holds on it too.
 */
const DOCS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>MessageJS relay API</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

// `validatorUrl: null`: Swagger UI would otherwise send the document to an outside validator.
const DOCS_JS = `window.ui = SwaggerUIBundle({
  url: '/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
});
`;

/** Where `swagger-ui-dist` is installed, or null when it is not. */
function viewerDir(): string | null {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  } catch {
    return null;
  }
}

/** Reads each asset once, on first use. */
function assetReader() {
  const cache = new Map<string, string>();
  const dir = viewerDir();
  return (name: string): { text: string; contentType: string } => {
    const contentType = ASSETS[name];
    if (!contentType || !dir) throw new AppError('not_found', `No documentation asset ${name.slice(0, 100)}.`);
    let text = cache.get(name);
    if (text === undefined) {
      text = fs.readFileSync(path.join(dir, name), 'utf8');
      cache.set(name, text);
    }
    return { text, contentType };
  };
}

const page = (p: string, summary: string, text: string, contentType: string): Route => ({
  method: 'GET',
  path: p,
  doc: { summary, tag: 'Documents', auth: 'public', contentType, responses: { 200: z.string() } },
  handle: () => ({ text, contentType, headers: { 'Cache-Control': 'no-cache' } }),
});

/**
 * `GET /v1/openapi.json` (the OpenAPI 3.1 document of every mounted route, built on first request
 * from the router's registry) and `GET /docs`, a self-hosted Swagger UI that renders it.
 */
export function docsRoutes(options: { routes: () => readonly Route[]; info: OpenApiInfo }): Route[] {
  let document: unknown = null;
  const asset = assetReader();
  return [
    {
      method: 'GET',
      path: '/v1/openapi.json',
      doc: {
        summary: 'The OpenAPI 3.1 document of this API',
        tag: 'Documents',
        auth: 'public',
        responses: { 200: openApiDocumentSchema },
      },
      handle: () => {
        document ??= buildOpenApiDocument(options.routes(), options.info);
        return { body: document, headers: { 'Cache-Control': 'no-cache' } };
      },
    },
    page('/docs', 'The API documentation (a page)', DOCS_HTML, 'text/html; charset=utf-8'),
    page('/docs/init.js', 'The documentation page’s script', DOCS_JS, 'text/javascript; charset=utf-8'),
    {
      method: 'GET',
      path: '/docs/assets/:file',
      doc: {
        summary: 'The documentation viewer’s files (Swagger UI)',
        tag: 'Documents',
        auth: 'public',
        contentType: 'text/*',
        responses: { 200: z.string() },
      },
      handle: (request) => {
        const { text, contentType } = asset(request.params.file!);
        return { text, contentType, headers: { 'Cache-Control': 'public, max-age=86400' } };
      },
    },
  ];
}
