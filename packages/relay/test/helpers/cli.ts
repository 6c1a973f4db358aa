import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI: `pnpm test` builds it before running the tests. */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export function requireBuiltCli(): void {
  if (!fs.existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`pnpm build\` (pnpm test does) before the CLI tests.`);
}

/**
 * Runs `messagejs-relay …` to completion (in `cwd`, when given), without blocking the event loop:
 * a test file of synchronous runs (seconds each on a loaded machine) kept the worker from reading
 * vitest's RPC replies past their 60 s timeout, and the test also serving HTTP needs the loop.
 */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  requireBuiltCli();
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, ...args], {
      ...(options.cwd && { cwd: options.cwd }),
      env: { ...process.env, LOG_LEVEL: 'warn', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (c: string) => (stdout += c));
    proc.stderr.on('data', (c: string) => (stderr += c));
    // A CLI that exits without reading all of its input must not fail the run with EPIPE.
    proc.stdin.on('error', () => {});
    proc.stdin.end(options.input ?? '');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'close', not 'exit': all of its output has been read by then.
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `messagejs-relay start` (with `args`) on an ephemeral port and resolves once it listens. */
export async function spawnRelay(
  dataDir: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<{ url: string; proc: ChildProcess; output: () => string }> {
  requireBuiltCli();
  const proc = spawn(process.execPath, [CLI, 'start', '--data-dir', dataDir, '--port', '0', ...args], {
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (c) => (out += c));
  proc.stderr.on('data', (c) => (out += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start:\n${out}`)), 15_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout.off('data', check);
        resolve(m[1]!);
      }
    };
    proc.stdout.on('data', check);
    proc.once('exit', (code) => reject(new Error(`relay exited with ${code}:\n${out}`)));
  });
  return { url, proc, output: () => out };
}

/** A long-running `messagejs-relay …` process (`start`, `worker`), as `spawnCli` started it. */
export interface CliProcess {
  proc: ChildProcess;
  /** The match of `ready` in its output. */
  ready: RegExpExecArray;
  /** Everything it wrote so far, stdout and stderr together. */
  output: () => string;
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code, once its output is all read. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Starts `messagejs-relay …args` and resolves once its output matches `ready` (e.g. the line that
 * names its URL); rejects with the output when it exits first or after `readyTimeoutMs` (20 s).
 */
export async function spawnCli(
  args: string[],
  options: { env?: Record<string, string>; ready: RegExp; readyTimeoutMs?: number },
): Promise<CliProcess> {
  requireBuiltCli();
  const proc = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // 'close', not 'exit': the last lines it wrote may still be on their way through the pipes at
  // 'exit' (a loaded machine), and `output()` must hold them once `stop` resolves.
  const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: the test's cleanup knows only the processes that started.
      proc.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not start:\n${out}`));
    }, options.readyTimeoutMs ?? 20_000);
    const check = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = options.ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
  return {
    proc,
    ready,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
