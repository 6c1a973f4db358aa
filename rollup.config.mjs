// Builds @messagejs/client into packages/client/dist, whatever the working directory:
//   messagejs.mjs         ESM, ky external (bundlers resolve it); types: index.d.mts
//   messagejs.cjs         UMD, ky bundled: what `require` loads; types: index.d.cts
//   messagejs.umd.min.js  the same, minified, with a version banner, global `messagejs` (<script>,
//                         CDN, relay /sdk/)
//   index.d.mts           types, bundled with rollup-plugin-dts, the contract's types expanded
//   index.d.cts           the same declarations, with `export =` of what `require` returns
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
const namedValues = ['createClient', 'MessageJSError', 'isMessageJSError'];
const umdEntry = '\0messagejs-umd';
const umdEntryPlugin = {
  name: 'messagejs-umd-entry',
  resolveId: (id) => (id === umdEntry ? id : null),
  load: (id) =>
    id === umdEntry
      ? `import messagejs, { ${namedValues.join(', ')} } from ${JSON.stringify(input)};\n` +
        `export default Object.assign({ ${namedValues.join(', ')}, default: messagejs }, messagejs);\n`
      : null,
};

// Files an earlier build left (renamed outputs) must not reach the packed tarball.
const cleanDist = {
  name: 'messagejs-clean-dist',
  buildStart: () => rmSync(client('dist'), { recursive: true, force: true }),
};

// The package is "type": "module", so Node and bundlers would take the minified UMD `.js` for an
// ES module; this marks dist's `.js` files CommonJS (`.mjs` and `.cjs` say what they are).
// sideEffects is repeated because bundlers read the nearest package.json.
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

/** One bundle of the client: `external` keeps ky out, `minify` adds terser and the banner. */
function bundle({ file, format, external = [], minify = false, clean = false }) {
  const umd = format === 'umd';
  return {
    input: umd ? umdEntry : input,
    external,
    plugins: [
      clean && cleanDist,
      umd && umdEntryPlugin,
      minify && distPackageJson,
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

// The contract's types are inferred from its zod schemas; the client's `index.d.mts` gets them
// expanded into plain interfaces, so neither its code nor its types need zod.
const wireTypesFile = '.tmp/wire-types/index.d.ts';
const writeWireTypes = {
  name: 'messagejs-wire-types',
  options() {
    mkdirSync(root('.tmp/wire-types'), { recursive: true });
    writeFileSync(root(wireTypesFile), wireTypes(root('packages/shared-types/src/index.ts')));
  },
};

/**
 * The CommonJS types (`index.d.cts`) from the ESM ones (`index.d.mts`): the same declarations,
 * then `export =` of the object `require` returns — the default instance's methods, the named
 * exports and `default` — with the exported types merged in as a namespace, so that
 * `import type { ClientOptions }` works too. `export default` would declare `exports.default`,
 * where the file assigns `module.exports` ("Incorrect default export", issue 12).
 */
function commonJsTypes(esm) {
  const exportList = /^export (?:type )?\{([^}]*)\};?\n?/gm;
  const entries = [...esm.matchAll(exportList)].flatMap(([, list]) =>
    list
      .split(',')
      .map((entry) => entry.trim().replace(/^type\s+/, ''))
      .filter(Boolean)
      .map((entry) => {
        const [local, exported = local] = entry.split(/\s+as\s+/);
        return { local, exported };
      }),
  );
  const instance = entries.find((e) => e.exported === 'default');
  const values = entries.filter((e) => namedValues.includes(e.exported));
  if (!instance || values.length !== namedValues.length) throw new Error('index.d.mts: exports missing');
  // Functions are values only; every other export (interfaces, type aliases, the error class) is a type.
  const types = entries.filter((e) => e !== instance && !new RegExp(`^declare function ${e.local}\\b`, 'm').test(esm));
  return [
    esm.replace(exportList, '').trimEnd(),
    '',
    ...types.map((e) => `type ${e.local}$cjs = ${e.local};`),
    `declare const messagejs$cjs: typeof ${instance.local} & {`,
    `  default: typeof ${instance.local};`,
    ...values.map((e) => `  ${e.exported}: typeof ${e.local};`),
    '};',
    'declare namespace messagejs$cjs {',
    ...types.map((e) => `  export type ${e.exported} = ${e.local}$cjs;`),
    '}',
    'export = messagejs$cjs;',
    '',
  ].join('\n');
}

const cjsTypes = {
  name: 'messagejs-cjs-types',
  generateBundle(_options, bundle) {
    const esm = bundle['index.d.mts'];
    this.emitFile({ type: 'asset', fileName: 'index.d.cts', source: commonJsTypes(esm.code) });
  },
};

export default [
  bundle({ file: 'messagejs.mjs', format: 'es', external: [/^ky(\/|$)/], clean: true }),
  bundle({ file: 'messagejs.cjs', format: 'umd' }),
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
      cjsTypes,
    ],
    output: { file: client('dist/index.d.mts'), format: 'es' },
  },
];
