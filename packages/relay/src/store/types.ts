/**
 * The repository interfaces, one file per aggregate in `./types/`. This barrel keeps the existing
 * `store/types.js` imports working; new code imports `store/types/index.js`.
 */
export * from './types/index.js';
