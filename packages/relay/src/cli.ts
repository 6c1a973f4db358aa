#!/usr/bin/env -S node --max-old-space-size=256 --max-semi-space-size=8
// Heap settings (also in the root `start` and `relay` scripts): a 256 MB ceiling and 8 MB
// semi-spaces keep a loaded relay's peak memory low at no cost in throughput (docs/adr/0005).
// Raise the ceiling with `node --max-old-space-size=N …` for very large rate-limit tables.
import { runCli } from './cli/index.js';

void runCli(process.argv);
