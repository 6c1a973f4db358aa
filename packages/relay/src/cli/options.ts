import pino from 'pino';
import { Command, Option } from 'commander';
import { loadConfig, type RelayConfig } from '../config.js';
import { createRelay, type Relay } from '../app.js';
import type { Store } from '../store/types.js';
import type { Sealer } from '../crypto/sealer.js';
import { cliActor, type Actor } from '../domain/actor.js';

/** `--data-dir`, on every command that opens the data directory. */
export const dataDirOption = () =>
  new Option('--data-dir <dir>', 'data directory (env MESSAGEJS_DATA_DIR, default ./.messagejs)');

/** `--project`, mandatory on every command about one project. */
export const projectOption = () => new Option('--project <id>', 'project id (prj_…)').makeOptionMandatory();

/** `--json`: print the answer as JSON even when it is a sentence. */
export const jsonOption = (description?: string) => new Option('--json', description);

/** The environment with `--data-dir`, when given, as `MESSAGEJS_DATA_DIR`. */
export function envWithDataDir(opts: { dataDir?: string }): NodeJS.ProcessEnv {
  return { ...process.env, ...(opts.dataDir && { MESSAGEJS_DATA_DIR: opts.dataDir }) };
}

/**
 * Builds a relay for an admin command: no worker, quiet logs on stderr, so that what a command
 * prints on stdout (`--json`) stays parseable even when a warning is logged.
 */
export async function openRelay(opts: { dataDir?: string }, overrides: Partial<RelayConfig> = {}): Promise<Relay> {
  const config = loadConfig(envWithDataDir(opts), { worker: false, logLevel: 'warn', ...overrides });
  return createRelay(config, { logDestination: pino.destination({ dest: 2, sync: true }) });
}

/** What an admin command works with: the services' dependencies and who is acting. */
export interface AdminContext {
  store: Store;
  sealer: Sealer;
  config: Readonly<RelayConfig>;
  actor: Actor;
  now: number;
}

/** An admin command's work: its options and positional arguments in, the answer to print out. */
export type AdminAction<O> = (ctx: AdminContext, opts: O, ...args: string[]) => Promise<unknown>;

/**
 * Gives an admin command `--data-dir` and `--json` and runs `action` against the data directory,
 * as the `cli` actor, closing the relay afterwards. The answer is printed: a sentence as text
 * (unless `--json`), anything else as JSON.
 */
export function adminAction<O>(command: Command, action: AdminAction<O>): Command {
  return command
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (...args: unknown[]) => {
      // Commander passes the positional arguments, then the options, then the command.
      const opts = (args[args.length - 1] as Command).opts<O & { dataDir?: string; json?: boolean }>();
      const relay = await openRelay(opts);
      try {
        const ctx: AdminContext = {
          store: relay.store,
          sealer: relay.sealer,
          config: relay.config,
          actor: cliActor,
          now: Date.now(),
        };
        const result = await action(ctx, opts, ...(args.slice(0, -2) as string[]));
        if (result !== undefined) print(result, opts.json);
      } finally {
        await relay.close();
      }
    });
}

/** Prints an answer on stdout: JSON, or a sentence as it is. */
export function print(value: unknown, json?: boolean): void {
  if (json || typeof value !== 'string') process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${value}\n`);
}
