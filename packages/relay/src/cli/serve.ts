import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { RelayConfig } from '../config.js';
import type { Relay } from '../app.js';
import { MASTER_KEY_FILE } from '../crypto/master-key.js';
import { redactDatabaseUrl } from '../store/open-store.js';

/** Where a process keeps its data, for the line `start` and `worker` print: the data directory or the database URL without its password. */
export function storageLabel(config: Pick<RelayConfig, 'dataDir' | 'databaseUrl'>): string {
  return config.databaseUrl ? `database: ${redactDatabaseUrl(config.databaseUrl)}` : `data: ${config.dataDir}`;
}

/**
 * Warns, on stderr and in the log, when a process on PostgreSQL seals credentials with a key file
 * of its own: relays and workers on other machines would make their own keys and could not open
 * the connector credentials this one seals (nor this one theirs). `MESSAGEJS_MASTER_KEY`, the same
 * everywhere, is the way to share it.
 */
export function warnWithoutSharedMasterKey(relay: Relay): void {
  const { config } = relay;
  if (!config.databaseUrl || config.masterKey) return;
  const file = path.join(config.dataDir, MASTER_KEY_FILE);
  relay.logger.warn(
    { keyFile: file },
    'PostgreSQL without MESSAGEJS_MASTER_KEY: connector credentials are sealed with this machine’s key file; set the same MESSAGEJS_MASTER_KEY on every relay and worker',
  );
  process.stderr.write(
    [
      '',
      '  Warning: PostgreSQL is used without MESSAGEJS_MASTER_KEY.',
      `  This process seals and opens connector credentials with the key file ${file}.`,
      '  Every relay and worker on this database must use the same key, or credentials sealed by one',
      '  cannot be opened by the others: set MESSAGEJS_MASTER_KEY to the same 64 hex characters on all',
      `  of them (e.g. the content of ${MASTER_KEY_FILE} here — keep it secret).`,
      '',
      '',
    ].join('\n'),
  );
}

/** Commander's parser for a port option: an integer 0–65535 (0 takes an ephemeral port). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('must be a port number, 0 to 65535.');
  return port;
}
