// Prints a markdown table of bundle sizes (raw, and gzip level 9 as CDNs serve them) of the
// MessageJS client next to EmailJS's browser SDK, for BENCHMARKS.md. Run `pnpm build` first.
//   node bench/sizes.mjs
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const version = (pkg) => JSON.parse(readFileSync(root(`${pkg}/package.json`), 'utf8')).version;

const bundles = [
  {
    name: `@messagejs/client ${version('packages/client')} — \`messagejs.umd.min.js\` (ky ${version('packages/client/node_modules/ky')} bundled)`,
    file: 'packages/client/dist/messagejs.umd.min.js',
  },
  {
    name: `@emailjs/browser ${version('node_modules/@emailjs/browser')} — \`email.min.js\``,
    file: 'node_modules/@emailjs/browser/dist/email.min.js',
  },
];

const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KiB`;
const rows = bundles.map(({ name, file }) => {
  if (!existsSync(root(file))) throw new Error(`${file} is missing: run \`pnpm build\` first`);
  // Source-map comments are not part of what a browser runs.
  const code = readFileSync(root(file), 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '');
  const gzip = gzipSync(code, { level: 9 }).length;
  return `| ${name} | ${code.length.toLocaleString('en')} B | ${gzip.toLocaleString('en')} B (${kb(gzip)}) |`;
});

console.log(['| Bundle | Raw | gzip -9 |', '| --- | ---: | ---: |', ...rows].join('\n'));
