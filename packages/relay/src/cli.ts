#!/usr/bin/env -S node --max-old-space-size=256 --max-semi-space-size=8
// Heap settings (also in the root `start` and `relay` scripts): a 256 MB ceiling and 8 MB
// semi-spaces keep a loaded relay's peak memory low at no cost in throughput (docs/adr/0005).
// Raise the ceiling with `node --max-old-space-size=N …` for very large rate-limit tables.
import { trapStopSignals } from './cli/signals.js';

// Before the rest of the CLI loads: a `start`, `worker` or `messages tail` signalled while it
// starts still stops cleanly and exits 0 (`cli/signals.ts`). Other commands keep the default (a
// signal ends them).
const [command, subcommand] = process.argv.slice(2);
if (command === 'start' || command === 'worker' || (command === 'messages' && subcommand === 'tail')) {
  trapStopSignals();
}
const { runCli } = await import('./cli/index.js');
await runCli(process.argv);
