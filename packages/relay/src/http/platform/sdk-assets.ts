import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import express, { Router } from 'express';
import { AppError } from '../../domain/app-error.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The packed client (`packages/client/scripts/pack.mjs`), for `npm i <relay>/sdk/messagejs-client.tgz`. */
export const CLIENT_TARBALL = 'messagejs-client.tgz';

/**
 * Serves the built client bundles like a CDN: `/sdk/<file>` (short cache, follows upgrades) and
 * `/sdk/<version>/<file>` (immutable), both with `Access-Control-Allow-Origin: *` and an ETag.
 * Among them the packed client, which npm installs from its URL while the package is not on npm.
 */
export function sdkAssets(options: { distDir: string | null }): Router {
  const router = Router();
  const dist = options.distDir && fs.existsSync(options.distDir) ? options.distDir : null;
  let version = 'unknown';
  try {
    version = (
      JSON.parse(fs.readFileSync(path.join(options.distDir ?? '', '..', 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    // Without a client package there is nothing to serve; the routes below answer 404.
  }
  router.use((_req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    next();
  });
  if (dist) {
    const serve = (cacheControl: string) =>
      express.static(dist, {
        etag: true,
        lastModified: true,
        index: false,
        fallthrough: true,
        setHeaders: (res) => res.setHeader('Cache-Control', cacheControl),
      });
    router.use(`/${version}`, serve(IMMUTABLE));
    router.use(serve('public, max-age=300'));
  }
  router.get(`/${CLIENT_TARBALL}`, (_req, _res, next) => {
    next(new AppError('not_found', "The packed client is not built here: run `pnpm build` in the relay's checkout."));
  });
  return router;
}

/** Where the built client bundles are, when the client package is installed beside the relay. */
export function clientDistDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('@messagejs/client/package.json');
    return path.join(path.dirname(pkg), 'dist');
  } catch {
    return null;
  }
}
