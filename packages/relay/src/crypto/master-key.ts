import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { decodeKey } from '../config.js';

/** The master key file's name inside the data directory. */
export const MASTER_KEY_FILE = 'master.key';

/**
 * Returns the master key from the data directory, creating it (32 random bytes, hex, mode 0600)
 * when absent. `created` tells the caller to say so once.
 */
export function loadOrCreateMasterKey(dataDir: string): { key: Buffer; created: boolean; file: string } {
  const file = path.join(dataDir, MASTER_KEY_FILE);
  try {
    const key = decodeKey(fs.readFileSync(file, 'utf8'));
    if (!key) throw new Error(`${file} does not hold a 32-byte key (64 hex characters)`);
    return { key, created: false, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx' fails if another process created it first; then read theirs.
  try {
    fs.writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateMasterKey(dataDir);
    throw error;
  }
  return { key, created: true, file };
}
