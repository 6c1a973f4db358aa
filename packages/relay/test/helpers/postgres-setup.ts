import { afterAll } from 'vitest';
import { dropLeftoverStorage } from './start-relay.js';
import { closeStoreConnections } from './store-snapshot.js';

/**
 * Setup file of the `postgres` vitest project: after each test file, ends the connections the
 * store-snapshot helpers kept open and drops the databases its relays left behind (a test that
 * only `close`d its relay), so the shared server does not fill up with `mjs_test_*` databases.
 */
afterAll(async () => {
  await closeStoreConnections();
  await dropLeftoverStorage();
});
