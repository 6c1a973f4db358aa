// Packs @messagejs/client as it would be published, into dist/messagejs-client.tgz (issue 12).
// Until the package is on npm, the relay serves this file at /sdk/messagejs-client.tgz, so that
// `npm i http://localhost:8787/sdk/messagejs-client.tgz` works; `pnpm test` checks it with
// @arethetypeswrong/cli and publint. `files` in package.json keeps the tarball out of itself.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const target = path.join(packageDir, 'dist', 'messagejs-client.tgz');
const destination = fs.mkdtempSync(path.join(os.tmpdir(), 'messagejs-pack-'));

// The pnpm that runs this build (npm_execpath), else the one on the PATH.
const execPath = process.env.npm_execpath;
const [command, ...prefix] =
  execPath && path.basename(execPath).startsWith('pnpm') ? [process.execPath, execPath] : ['pnpm'];
try {
  fs.rmSync(target, { force: true });
  const packed = spawnSync(command, [...prefix, 'pack', '--pack-destination', destination], {
    cwd: packageDir,
    encoding: 'utf8',
    shell: process.platform === 'win32' && command === 'pnpm',
  });
  if (packed.status !== 0) {
    throw new Error(
      `\`pnpm pack\` failed (${packed.error?.message ?? packed.status}):\n${packed.stderr}${packed.stdout}`,
    );
  }
  const [tarball, ...others] = fs.readdirSync(destination);
  if (!tarball || others.length) throw new Error(`\`pnpm pack\` left ${others.length + 1} files, not one tarball`);
  fs.copyFileSync(path.join(destination, tarball), target);
  console.log(`packed ${path.relative(process.cwd(), target)} (${(fs.statSync(target).size / 1024).toFixed(1)} kB)`);
} finally {
  fs.rmSync(destination, { recursive: true, force: true });
}
