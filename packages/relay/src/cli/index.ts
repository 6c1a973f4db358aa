import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { isAppError } from '../domain/app-error.js';
import { registerStartCommands } from './commands/start.js';
import { registerProjects } from './commands/projects.js';
import { registerKeys } from './commands/keys.js';
import { registerOrigins } from './commands/origins.js';
import { registerCountries } from './commands/countries.js';
import { registerNumberTypes } from './commands/number-types.js';
import { registerTemplates } from './commands/templates.js';
import { registerLimits } from './commands/limits.js';
import { registerConnectors } from './commands/connectors.js';
import { registerVerify } from './commands/verify.js';
import { registerPrices } from './commands/prices.js';
import { registerFallbacks } from './commands/fallbacks.js';
import { registerQuietHours } from './commands/quiet-hours.js';
import { registerUsers } from './commands/users.js';
import { registerOptOuts } from './commands/opt-outs.js';
import { registerContacts } from './commands/contacts.js';
import { registerWebhooks } from './commands/webhooks.js';
import { registerCopy } from './commands/copy.js';
import { registerMessages } from './commands/messages.js';
import { registerStats } from './commands/stats.js';
import { registerInbound } from './commands/inbound.js';

/**
 * The `messagejs-relay` program: each command lives in `commands/<resource>.ts` and calls the
 * feature services only; this file wires them in the order `--help` lists them.
 */
export function createProgram(): Command {
  const program = new Command('messagejs-relay')
    .description('The self-hosted MessageJS relay: keys, templates, limits, a durable queue and provider connectors.')
    .showHelpAfterError();
  registerStartCommands(program);
  registerCopy(program);
  for (const register of [
    registerProjects,
    registerKeys,
    registerOrigins,
    registerCountries,
    registerNumberTypes,
    registerTemplates,
    registerLimits,
    registerConnectors,
    registerVerify,
    registerPrices,
    registerFallbacks,
    registerQuietHours,
    registerOptOuts,
    registerContacts,
    registerWebhooks,
    registerMessages,
    registerInbound,
    registerUsers,
    registerStats,
  ]) {
    register(program);
  }
  return program;
}

/** The message an error leaves on stderr: a config problem as listed, an HTTP error with its code and field. */
export function describeError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (isAppError(error)) return `Error (${error.code}${error.field ? `, ${error.field}` : ''}): ${error.message}`;
  return `Error: ${(error as Error)?.message ?? String(error)}`;
}

/** Runs the CLI on `argv`; a failure is printed on stderr and sets exit code 1. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n`);
    process.exitCode = 1;
  }
}
