import fs from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { AppError } from '../../domain/app-error.js';

/** The file in the data directory holding the demo project's public settings. */
export const DEMO_CONFIG_FILE = 'demo.json';

/**
 * `GET /demo/config.json`: the demo project's id, public key and templates, for the demo pages
 * the relay serves at `/`. Only public values: a public key is meant to sit in page source.
 */
export function demoConfig(dataDir: string): RequestHandler {
  return function demoConfigHandler(_req, res, next) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dataDir, DEMO_CONFIG_FILE), 'utf8');
    } catch {
      return next(new AppError('not_found', 'This relay has no demo project (it was created without one or removed).'));
    }
    res.setHeader('Cache-Control', 'no-store');
    res.type('application/json').send(text);
  };
}
