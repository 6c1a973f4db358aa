// Builds @messagejs/client into packages/client/dist, whatever the working directory:
//   messagejs.mjs         ESM, ky external (bundlers resolve it)
//   messagejs.umd.js      UMD, ky bundled, global `messagejs` (also what `require` loads)
//   messagejs.umd.min.js  the same, minified, with a version banner (<script>, CDN, relay /sdk/)
//   index.d.ts            types, bundled with rollup-plugin-dts, the contract's types expanded
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import { wireTypes } from './packages/shared-types/scripts/wire-types.mjs';

const root = (path) => fileURLToPath(new URL(path, import.meta.url));
const client = (path) => root(`packages/client/${path}`);
const pkg = JSON.parse(readFileSync(client('package.json'), 'utf8'));
const input = client('src/index.ts');

const compilerOptions = {
  target: 'ES2022',
  module: 'ESNext',
  moduleResolution: 'Bundler',
  strict: true,
  skipLibCheck: true,
  declaration: false,
  sourceMap: true,
  lib: ['ES2023', 'DOM', 'DOM.Iterable'],
  types: [],
  baseUrl: root('.'),
  paths: { '@messagejs/shared-types': ['packages/shared-types/src/index.ts'] },
};

// The UMD global is one object: the default instance's methods plus the named exports, so a
// page can call messagejs.init(…), messagejs.send(…) and messagejs.createClient(…) alike.
// CommonJS `require` gets the same object; its `default` is the instance. The named exports are
// listed (a namespace import costs more bytes); test/builds.test.ts fails if one is missing.
const umdEntry = '\0messagejs-umd';
const umdEntryPlugin = {
  name: 'messagejs-umd-entry',
  resolveId: (id) => (id === umdEntry ? id : null),
  load: (id) =>
    id === umdEntry
      ? `import messagejs, { createClient, MessageJSError, isMessageJSError } from ${JSON.stringify(input)};\n` +
        'export default Object.assign({ createClient, MessageJSError, isMessageJSError, default: messagejs }, messagejs);\n'
      : null,
};

// The package is "type": "module", so Node would load the UMD `.js` files as ES modules and
// `require('@messagejs/client')` would get nothing; this marks dist's `.js` files CommonJS
// (`.mjs` stays ESM). sideEffects is repeated because bundlers read the nearest package.json.
const distPackageJson = {
  name: 'messagejs-dist-package-json',
  generateBundle() {
    this.emitFile({
      type: 'asset',
      fileName: 'package.json',
      source: '{ "type": "commonjs", "sideEffects": false }\n',
    });
  },
};

// Files an earlier build left (renamed outputs) must not reach the packed tarball.
const cleanDist = {
  name: 'messagejs-clean-dist',
  buildStart: () => rmSync(client('dist'), { recursive: true, force: true }),
};

/** One bundle of the client: `external` keeps ky out, `minify` adds terser and the banner. */
function bundle({ file, format, external = [], minify = false, clean = false }) {
  const umd = format === 'umd';
  return {
    input: umd ? umdEntry : input,
    external,
    plugins: [
      clean && cleanDist,
      umd && umdEntryPlugin,
      umd && !minify && distPackageJson,
      nodeResolve({ browser: true, rootDir: client('.') }),
      typescript({
        tsconfig: false,
        compilerOptions,
        include: [root('packages/*/src/**/*.ts')],
        outputToFilesystem: false,
      }),
      minify && terser({ format: { comments: /^!/ }, compress: { passes: 2 } }),
    ],
    output: {
      file: client(`dist/${file}`),
      format,
      sourcemap: true,
      generatedCode: 'es2015',
      ...(umd && { name: 'messagejs', exports: 'default' }),
      ...(minify && { banner: `/*! ${pkg.name} v${pkg.version} | MIT */` }),
    },
  };
}

// The contract's types are inferred from its zod schemas; the client's `index.d.ts` gets them
// expanded into plain interfaces, so neither its code nor its types need zod.
const wireTypesFile = '.tmp/wire-types/index.d.ts';
const writeWireTypes = {
  name: 'messagejs-wire-types',
  options() {
    mkdirSync(root('.tmp/wire-types'), { recursive: true });
    writeFileSync(root(wireTypesFile), wireTypes(root('packages/shared-types/src/index.ts')));
  },
};

export default [
  bundle({ file: 'messagejs.mjs', format: 'es', external: [/^ky(\/|$)/], clean: true }),
  bundle({ file: 'messagejs.umd.js', format: 'umd' }),
  bundle({ file: 'messagejs.umd.min.js', format: 'umd', minify: true }),
  {
    input,
    plugins: [
      writeWireTypes,
      dts({
        tsconfig: root('tsconfig.json'),
        compilerOptions: { baseUrl: root('.'), paths: { '@messagejs/shared-types': [wireTypesFile] } },
        includeExternal: ['@messagejs/shared-types'],
      }),
    ],
    output: { file: client('dist/index.d.ts'), format: 'es' },
  },
];
