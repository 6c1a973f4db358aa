import type { TestRelay } from './start-relay.js';

/** Every code the console connector printed so far, oldest first (the default verify body). */
export function printedCodes(t: Pick<TestRelay, 'console'>): string[] {
  return t.console.flatMap((text) =>
    [...text.matchAll(/│ ([0-9A-Z]+) is your .+ verification code/g)].map((m) => m[1]!),
  );
}

/** Waits until the console connector has printed `count` codes and returns the last one. */
export async function waitForCode(t: Pick<TestRelay, 'console'>, count: number, timeoutMs = 5000): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const codes = printedCodes(t);
    if (codes.length >= count) return codes[count - 1]!;
    if (performance.now() > deadline)
      throw new Error(`expected ${count} printed codes, saw ${codes.length}:\n${t.console.join('')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A different code of the same shape, for wrong guesses. */
export function wrongCode(code: string): string {
  const last = code.at(-1)!;
  const swap = /\d/.test(last) ? String((Number(last) + 1) % 10) : last === 'A' ? 'C' : 'A';
  return code.slice(0, -1) + swap;
}
