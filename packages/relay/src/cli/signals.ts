import type { Logger } from 'pino';

/**
 * SIGINT and SIGTERM for the long-running commands (`start`, `worker`, `messages tail`). The handlers go in first
 * thing (`trapStopSignals`, from `cli.ts`, before the rest of the CLI loads): without one, a
 * signal that arrives while the process is still starting — a worker stopped soon after it was
 * spawned, as supervisors and the benchmarks do — kills it with the signal instead of letting it
 * stop and exit 0. Such a signal is held until the command hands over its `stop`
 * (`stopOnSignals`), which then runs at once.
 */
let onSignal: ((signal: NodeJS.Signals) => void) | null = null;
let held: NodeJS.Signals | null = null;
let trapped = false;

/** Installs the SIGINT and SIGTERM handlers (once); a signal before `stopOnSignals` is held. */
export function trapStopSignals(): void {
  if (trapped) return;
  trapped = true;
  const handle = (signal: NodeJS.Signals) => {
    if (onSignal) onSignal(signal);
    else held ??= signal;
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/** Exits with `code` once the log lines written so far are out (pino's destination writes asynchronously). */
function exitAfterFlush(logger: Logger, code: number): void {
  const exit = () => process.exit(code);
  // Should the destination never call back, exit anyway.
  setTimeout(exit, 2000).unref();
  try {
    logger.flush(() => exit());
  } catch {
    exit();
  }
}

/**
 * Runs `stop` once on the first SIGINT or SIGTERM — at once when one came during start-up — then
 * logs `stopped` and exits: 0 when it finished, 1 when it failed. A second signal while stopping
 * is ignored (stopping releases the jobs in flight).
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  trapStopSignals();
  let stopping = false;
  onSignal = (signal) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => {
        logger.info({ signal }, 'stopped');
        exitAfterFlush(logger, 0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'could not shut down cleanly');
        exitAfterFlush(logger, 1);
      },
    );
  };
  if (held) onSignal(held);
}
