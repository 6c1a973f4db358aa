import { afterAll } from 'vitest';
import { dropLeftoverStorage } from './start-relay.js';

/**
 * Setup file of the `postgres` vitest project: after each test file, drops the databases its
 * relays left behind (a test that only `close`d its relay, or whose start failed), so the shared
 * server does not fill up with `mjs_test_*` databases.
 */
afterAll(async () => {
  await dropLeftoverStorage();
});
