import { fileURLToPath } from 'node:url';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

/** Tests import the workspace packages from source, so `pnpm test` needs no build of the relay. */
export const alias = {
  '@messagejs/shared-types': src('shared-types'),
  '@messagejs/client': src('client'),
  '@messagejs/relay': src('relay'),
};
