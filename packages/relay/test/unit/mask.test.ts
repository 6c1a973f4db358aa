import { describe, expect, it } from 'vitest';
import { maskText } from '../../src/domain/mask.js';

describe('maskText', () => {
  it.each([
    [
      "The 'To' number +212655501234 is not a valid phone number",
      "The 'To' number +********1234 is not a valid phone number",
    ],
    ['Send to +1 (415) 555-0123 failed', 'Send to +*******0123 failed'],
    ['Mailbox john.doe+x@example.co.uk is full', 'Mailbox j***@example.co.uk is full'],
    ['No route to 0612345678', 'No route to ******5678'],
    ['Call 06 12 34 56 78 or 212.600.000.000', 'Call ******5678 or ********0000'],
    ['Number +999123456789 unknown', 'Number +********6789 unknown'],
    ['Error 21211 at 2026-03-01T09:00:00Z', 'Error 21211 at 2026-03-01T09:00:00Z'],
  ])('masks %j', (text, masked) => {
    expect(maskText(text)).toBe(masked);
  });

  it('cuts long text, and masks it in linear time', () => {
    const long = `${'a'.repeat(200_000)} +212655501234`;
    const started = performance.now();
    expect(maskText(long)).toBe(`${'a'.repeat(1000)}…`);
    expect(maskText(`x@y.example ${'a'.repeat(990)}`)).toBe(`x***@y.example ${'a'.repeat(988)}…`);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
