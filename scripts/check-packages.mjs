// `pnpm check:packages` (the last step of `pnpm test`): the ecosystem's package checkers,
// @arethetypeswrong/cli and publint, on the tarballs npm would publish (issue 12). The client's
// tarball is the one its build packed (packages/client/dist/messagejs-client.tgz, which the relay
// serves); the relay and the contract are packed here. The client must resolve, with the right
// types, in every mode (node10, node16 from CJS and from ESM, bundler); the relay and the contract
// are ESM only, which attw's `esm-only` profile accepts. Run `pnpm build` first.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const packs = path.join(root, '.tmp/packs');

/** Runs a command with its output shown; true when it exits 0. */
function run(command, args, cwd = root) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  // A checker that could not start (not installed: run `pnpm install`) says so instead of failing silently.
  if (result.error) console.error(`${path.basename(command)}: ${result.error.message}`);
  return result.status === 0;
}

/** Packs a workspace package with pnpm (the one running this script, else the one on the PATH). */
function pack(dir) {
  const execPath = process.env.npm_execpath;
  const [command, ...prefix] =
    execPath && path.basename(execPath).startsWith('pnpm') ? [process.execPath, execPath] : ['pnpm'];
  const before = new Set(fs.readdirSync(packs));
  const packed = spawnSync(command, [...prefix, 'pack', '--pack-destination', packs], {
    cwd: path.join(root, dir),
    encoding: 'utf8',
    shell: process.platform === 'win32' && command === 'pnpm',
  });
  const made = fs.readdirSync(packs).filter((file) => !before.has(file));
  if (packed.status !== 0 || made.length !== 1) throw new Error(`pnpm pack in ${dir} failed:\n${packed.stderr}`);
  return path.join(packs, made[0]);
}

const client = path.join(root, 'packages/client/dist/messagejs-client.tgz');
if (!fs.existsSync(client)) throw new Error(`${path.relative(root, client)} is missing: run \`pnpm build\` first`);
fs.rmSync(packs, { recursive: true, force: true });
fs.mkdirSync(packs, { recursive: true });
const tarballs = [
  { file: client, attw: [] },
  { file: pack('packages/relay'), attw: ['--profile', 'esm-only'] },
  { file: pack('packages/shared-types'), attw: ['--profile', 'esm-only'] },
];

let ok = true;
for (const { file, attw } of tarballs) {
  ok = run(bin('attw'), [...attw, file]) && ok;
  ok = run(bin('publint'), ['run', '--strict', file]) && ok;
}
process.exitCode = ok ? 0 : 1;
