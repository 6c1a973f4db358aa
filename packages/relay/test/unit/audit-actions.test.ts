import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auditActions } from '../../src/domain/audit-actions.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('audit action registry', () => {
  it('names every action the relay records (each `action` string in the sources)', () => {
    const used = new Set<string>();
    // `action: 'x.y'`, a conditional's branches (`? 'member.suspend' : 'member.activate'`), and
    // an action passed as an option (`action: 'auth.setup'` in a call).
    const ACTION = /'([a-z_]+\.[a-z_]+)'/g;
    for (const file of sources(SRC)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const line of text.split('\n')) {
        if (/^\s*(\*|\/\/|\/\*)/.test(line)) continue; // comments (a JSDoc example is no action)
        if (!/\baction\b/.test(line) && !/^\s*[?:]\s*'[a-z_]+\.[a-z_]+',?$/.test(line)) continue;
        for (const match of line.matchAll(ACTION)) used.add(match[1]!);
      }
    }
    // Strings on such lines that are not actions.
    for (const other of ['store.transaction']) used.delete(other);
    const missing = [...used].filter((name) => !Object.hasOwn(auditActions, name));
    expect(used.size).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  it('describes each action in one sentence', () => {
    for (const [name, description] of Object.entries(auditActions)) {
      expect(name).toMatch(/^[a-z_]+\.[a-z_]+$/);
      expect(description).toMatch(/^[A-Z].*\.$/);
    }
  });
});
