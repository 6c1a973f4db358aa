import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Data flows one way (docs/architecture.md, "Layers"): a layer may import only layers below it.
 * Lowest first. The HTTP platform sits below the feature rooms, whose routes use it; the jobs
 * above them, since job handlers call feature services. The composition root (`app.ts`,
 * `index.ts`) sits above what it wires; the CLI above it, since its commands open a relay with
 * `createRelay`.
 */
const LAYERS = [
  ['domain'],
  ['config', 'logger', 'metrics'],
  ['crypto'],
  ['store'],
  ['providers'],
  ['http'],
  ['features'],
  ['jobs'],
  ['app', 'index'],
  ['cli', 'cli-entry'],
] as const;

/**
 * Imports that break the rule today. Empty: keep it so, or name each exception with the issue
 * that removes it. The test fails when a listed one goes away too, so the list cannot outlive it.
 */
const KNOWN_EXCEPTIONS = new Set<string>([]);

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

function roomOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  if (rel.length > 1) return rel[0]!;
  const name = rel[0]!.replace(/\.ts$/, '');
  return name === 'cli' ? 'cli-entry' : name;
}

const layerOf = (room: string): number => {
  const index = LAYERS.findIndex((layer) => (layer as readonly string[]).includes(room));
  if (index < 0) throw new Error(`room \`${room}\` has no layer: add it to LAYERS`);
  return index;
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function importEdges(): Array<{ from: string; to: string; edge: string }> {
  const edges = [];
  for (const file of sourceFiles(SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), match[1]!.replace(/\.js$/, '.ts'));
      edges.push({ from: file, to: target, edge: `${path.relative(SRC, file)} -> ${path.relative(SRC, target)}` });
    }
  }
  return edges;
}

describe('import direction', () => {
  const edges = importEdges();

  it('finds the imports it checks', () => {
    expect(edges.length).toBeGreaterThan(200);
    expect(edges.some((e) => e.edge === 'features/messages/routes.ts -> features/messages/send-message.ts')).toBe(true);
  });

  it('lets no room import a room above it', () => {
    const upward = edges.filter((e) => layerOf(roomOf(e.to)) > layerOf(roomOf(e.from))).map((e) => e.edge);
    expect(upward.filter((edge) => !KNOWN_EXCEPTIONS.has(edge))).toEqual([]);
    // Every known exception is still there: remove it from the list when its import is gone.
    expect([...KNOWN_EXCEPTIONS].filter((edge) => !upward.includes(edge))).toEqual([]);
  });

  it('keeps feature services free of HTTP: only the routes files of a room use the HTTP platform', () => {
    const fromServices = edges
      .filter((e) => roomOf(e.from) === 'features' && !/routes\.ts$/.test(e.from) && roomOf(e.to) === 'http')
      .map((e) => e.edge);
    expect(fromServices).toEqual([]);
  });

  it('keeps providers free of the store: they get what they need as arguments', () => {
    expect(edges.filter((e) => roomOf(e.from) === 'providers' && roomOf(e.to) === 'store').map((e) => e.edge)).toEqual(
      [],
    );
  });

  it('gives every feature room the files it names: a service beside its routes', () => {
    const rooms = fs.readdirSync(path.join(SRC, 'features'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(rooms.map((d) => d.name)).toEqual(
      expect.arrayContaining(['messages', 'verify', 'projects', 'templates', 'recipients']),
    );
    for (const room of rooms) {
      const files = fs.readdirSync(path.join(SRC, 'features', room.name));
      // An empty home (a room the coming issues fill) says so in its README.
      expect(files.length, room.name).toBeGreaterThan(0);
    }
  });

  it('keeps the store free of the rooms that use it', () => {
    const fromStore = edges.filter((e) => roomOf(e.from) === 'store').map((e) => roomOf(e.to));
    expect(new Set(fromStore)).toEqual(new Set(['store', 'domain', ...fromStore.filter((r) => r === 'crypto')]));
  });
});
