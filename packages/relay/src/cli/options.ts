import fs from 'node:fs';
import pino from 'pino';
import { Command, Option } from 'commander';
import { loadConfig, type RelayConfig } from '../config.js';
import { createRelay, type Relay } from '../app.js';
import type { Store } from '../store/types.js';
import type { ImportRunner } from '../features/contacts/import/runner.js';
import type { Sealer } from '../crypto/sealer.js';
import { cliActor, type Actor } from '../domain/actor.js';
import { render } from './table.js';

/** `--data-dir`, on every command that opens the data directory. */
export const dataDirOption = () =>
  new Option('--data-dir <dir>', 'data directory (env MESSAGEJS_DATA_DIR, default ./.messagejs)');

/** `--project`, mandatory on every command about one project. */
export const projectOption = () => new Option('--project <id>', 'project id (prj_…)').makeOptionMandatory();

/** `--json`: print the answer as JSON (readable tables otherwise). */
export const jsonOption = (description?: string) => new Option('--json', description);

/** The environment with `--data-dir`, when given, as `MESSAGEJS_DATA_DIR`. */
export function envWithDataDir(opts: { dataDir?: string }): NodeJS.ProcessEnv {
  return { ...process.env, ...(opts.dataDir && { MESSAGEJS_DATA_DIR: opts.dataDir }) };
}

/** What a command says when its data directory does not exist (it creates none). */
export function noDataDirectory(dataDir: string, postgres = false): Error {
  return new Error(
    `No data directory at ${dataDir}: run this where you ran \`messagejs-relay init\` or \`start\`, ` +
      'pass --data-dir <dir> (or set MESSAGEJS_DATA_DIR), or create one with `messagejs-relay init`. ' +
      (postgres ? 'With PostgreSQL, set MESSAGEJS_MASTER_KEY instead (the key file is all it reads there). ' : '') +
      'Nothing was created.',
  );
}

/**
 * Throws `noDataDirectory` unless the configured data directory exists: only `init` and `start`
 * create one. With PostgreSQL and `MESSAGEJS_MASTER_KEY`, nothing is read from it: no check.
 */
export function requireDataDirectory(config: Pick<RelayConfig, 'dataDir' | 'databaseUrl' | 'masterKey'>): void {
  if (config.databaseUrl && config.masterKey) return;
  if (!fs.existsSync(config.dataDir)) throw noDataDirectory(config.dataDir, config.databaseUrl !== null);
}

/**
 * Builds a relay for an admin command: no worker, quiet logs on stderr, so that what a command
 * prints on stdout (`--json`) stays parseable even when a warning is logged. With `create: false`
 * (every command but `init` and `start`), a data directory that does not exist is refused.
 */
export async function openRelay(
  opts: { dataDir?: string },
  overrides: Partial<RelayConfig> = {},
  { create = true }: { create?: boolean } = {},
): Promise<Relay> {
  const config = loadConfig(envWithDataDir(opts), { worker: false, logLevel: 'warn', ...overrides });
  if (!create) requireDataDirectory(config);
  return createRelay(config, { logDestination: pino.destination({ dest: 2, sync: true }) });
}

/** What an admin command works with: the services' dependencies and who is acting. */
export interface AdminContext {
  store: Store;
  sealer: Sealer;
  config: Readonly<RelayConfig>;
  actor: Actor;
  now: number;
  /** The command's own import runner (`contacts import` reads its file in this process). */
  imports: ImportRunner;
}

/** An admin command's work: its options and positional arguments in, the answer to print out. */
export type AdminAction<O> = (ctx: AdminContext, opts: O, ...args: string[]) => Promise<unknown>;

/**
 * Gives an admin command `--data-dir` and `--json` and runs `action` against the data directory
 * (which must exist), as the `cli` actor, then tells running relays to forget their caches (with
 * `MESSAGEJS_REDIS_URL`; without it they see the change within their 2 s cache) and closes the
 * relay. The answer is printed readably (a sentence, a table, `field  value` lines), or as JSON
 * with `--json`.
 */
export function adminAction<O>(
  command: Command,
  action: AdminAction<O>,
  /** The columns a list shows as a table (`--json` prints every field). */
  columns?: readonly string[],
): Command {
  return command
    .addOption(dataDirOption())
    .addOption(jsonOption('print JSON instead of a table'))
    .action(async (...args: unknown[]) => {
      // Commander passes the positional arguments, then the options, then the command.
      const opts = (args[args.length - 1] as Command).opts<O & { dataDir?: string; json?: boolean }>();
      const relay = await openRelay(opts, {}, { create: false });
      try {
        const ctx: AdminContext = {
          store: relay.store,
          sealer: relay.sealer,
          config: relay.config,
          actor: cliActor,
          now: Date.now(),
          imports: relay.imports,
        };
        const result = await action(ctx, opts, ...(args.slice(0, -2) as string[]));
        // With Redis, the running relays forget what they cached of what this command may have changed.
        await relay.invalidateCaches();
        if (result !== undefined) print(opts.json || !columns ? result : pick(result, columns), opts.json);
      } finally {
        await relay.close();
      }
    });
}

/** A list's items with only `columns` (anything else as it is). */
function pick(value: unknown, columns: readonly string[]): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((item: Record<string, unknown>) => Object.fromEntries(columns.map((c) => [c, item[c]])));
}

/** Prints an answer on stdout: JSON with `json`, else readably (`table.ts`); dates as ISO 8601 either way. */
export function print(value: unknown, json?: boolean): void {
  process.stdout.write(`${render(value, json)}\n`);
}
