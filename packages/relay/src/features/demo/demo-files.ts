import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoCredentials } from './demo.js';
import { DEMO_CONFIG_FILE } from './routes.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The demo pages (examples/script-tag) in a source checkout; absent in a published install. */
export function demoDir(): string | null {
  const dir = path.resolve(here, '../../../../../examples/script-tag');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

/**
 * Writes the demo project's public settings for the demo pages. The data directory may not exist
 * yet: on PostgreSQL with `MESSAGEJS_MASTER_KEY`, nothing else is written there.
 */
export function writeDemoConfig(dataDir: string, demo: DemoCredentials): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(
    path.join(dataDir, DEMO_CONFIG_FILE),
    `${JSON.stringify({ projectId: demo.projectId, publicKey: demo.publicKey, templates: demo.templates }, null, 2)}\n`,
    { mode: 0o644 },
  );
}
