import { deriveCodeKey } from './verify-code.js';
import { deriveCsrfKey } from './csrf.js';
import { deriveCursorKey } from './cursor.js';

/**
 * The keys the relay derives from its master key (HKDF, one purpose each): verification codes,
 * CSRF tokens and the history's cursors are HMACs under them, so none of them is the master key.
 */
export function deriveKeys(masterKey: Buffer): { codeKey: Buffer; csrfKey: Buffer; cursorKey: Buffer } {
  return {
    codeKey: deriveCodeKey(masterKey),
    csrfKey: deriveCsrfKey(masterKey),
    cursorKey: deriveCursorKey(masterKey),
  };
}
