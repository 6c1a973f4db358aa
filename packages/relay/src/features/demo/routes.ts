import { demoConfigSchema } from '@messagejs/shared-types';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../domain/app-error.js';
import type { Route } from '../../http/platform/route.js';

/** The file in the data directory holding the demo project's public settings. */
export const DEMO_CONFIG_FILE = 'demo.json';

/**
 * `GET /demo/config.json`: the demo project's id, public key and templates, for the demo pages
 * the relay serves at `/`. Only public values: a public key is meant to sit in page source.
 */
export function demoRoutes(dataDir: string): Route[] {
  return [
    {
      method: 'GET',
      path: '/demo/config.json',
      doc: {
        summary: 'The demo project’s public settings, for the demo pages',
        tag: 'Demo',
        auth: 'public',
        responses: { 200: demoConfigSchema },
      },
      handle() {
        let text: string;
        try {
          text = fs.readFileSync(path.join(dataDir, DEMO_CONFIG_FILE), 'utf8');
        } catch {
          throw new AppError('not_found', 'This relay has no demo project (it was created without one or removed).');
        }
        return { text, contentType: 'application/json; charset=utf-8', headers: { 'Cache-Control': 'no-store' } };
      },
    },
  ];
}
