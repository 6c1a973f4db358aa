#!/usr/bin/env -S node --max-old-space-size=256 --max-semi-space-size=8
// Heap settings (also in the root `start` and `relay` scripts). The relay's live set is ~25 MB;
// with a ceiling under 256 MB V8 grows the old generation by at most 2× between collections
// instead of 4× (a loaded relay near 140 MB instead of 240 MB), and 8 MB semi-spaces instead of
// 16 MB take another 15 MB off the peak, both at no cost in throughput (BENCHMARKS.md). Raise
// the ceiling with `node --max-old-space-size=N …` for very large rate-limit tables.
import { runCli } from './cli/index.js';

void runCli(process.argv);
