import { defineConfig } from 'vitest/config';
import { alias } from './vitest.shared.js';

/** Browser tests: Debian's Chromium driven by playwright-core (run by `.ci/run`, not by `pnpm test`). */
export default defineConfig({
  resolve: { alias },
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-e2e.json' },
  },
});
