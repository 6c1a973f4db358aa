import pino from 'pino';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { migrateStore, type MigrationReport } from '../../store/open-store.js';
import { dataDirOption, envWithDataDir, jsonOption, print, requireDataDirectory } from '../options.js';

/** The sentence `migrate` prints. */
function describeMigration({ backend, database, from, to }: MigrationReport): string {
  const name = backend === 'postgres' ? `PostgreSQL (${database})` : `SQLite (${database})`;
  return from === to
    ? `${name}: schema at version ${to}, nothing to migrate (from ${from} to ${to}).`
    : `${name}: schema migrated from version ${from} to ${to}.`;
}

/**
 * `migrate`: applies the configured backend's pending migrations and prints the versions. `start`
 * and `worker` migrate on open as well (PostgreSQL under an advisory lock, so processes starting
 * together do not race); this runs it alone, e.g. as a one-shot step before the relays start.
 */
async function migrate(opts: { dataDir?: string; json?: boolean }): Promise<void> {
  const config = loadConfig(envWithDataDir(opts), { worker: false });
  // SQLite's database lives in the data directory: migrating creates none.
  if (!config.databaseUrl) requireDataDirectory(config);
  // Logs on stderr: stdout carries the answer (`--json` stays parseable).
  const logger = createLogger({ level: 'warn', destination: pino.destination({ dest: 2, sync: true }) });
  const report = await migrateStore(config, logger);
  print(opts.json ? report : describeMigration(report), opts.json);
}

/** `messagejs-relay migrate [--json]`. */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description(
      'Apply pending database migrations (PostgreSQL with MESSAGEJS_DATABASE_URL, else SQLite in the data directory) and print the schema versions.',
    )
    .addOption(dataDirOption())
    .addOption(jsonOption('print { backend, database, from, to } as JSON'))
    .action(migrate);
}
