import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wireTypes } from '../scripts/wire-types.mjs';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));

describe('wireTypes', () => {
  const types = wireTypes(entry);

  it('expands every type inferred from a schema into a plain declaration, with no zod', () => {
    expect(types).not.toMatch(/\bzod\b|\bz\.|Zod[A-Z]/);
    expect(types).not.toMatch(/Schema\b/);
  });

  it("keeps the fields and the JSDoc written on the schema's keys", () => {
    const template = /export interface TemplateMessageRequest \{[^]*?\n\}/.exec(types)?.[0];

    expect(template).toContain('  channels?: Channel[];');
    expect(template).toContain('  fallbackAfter?: number;');
    expect(template).toContain('  captchaToken?: string;');
    expect(template).toContain(
      '   * Seconds a channel has to report delivery before the next channel of `channels` is tried.',
    );
  });

  it("names the contract's own types where other types use them", () => {
    expect(types).toContain('export type SendMessageRequest = TemplateMessageRequest | TextMessageRequest;');
    expect(types).toContain('  attempts?: MessageAttempt[];');
    expect(types).toContain('  type: NumberType | null;');
    expect(types).toContain('  channel?: VerifyChannel;');
  });
});
