import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/index.js';

/** Every command under `program`, with its full name (`keys rotate`). */
function commandsOf(command: Command, prefix = ''): Array<[string, Command]> {
  return command.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    return [[name, c] as [string, Command], ...commandsOf(c, `${name} `)];
  });
}

describe('messagejs-relay --help', () => {
  const commands = commandsOf(createProgram());

  it('finds the commands it checks', () => {
    const names = commands.map(([name]) => name);
    for (const name of [
      'keys rotate',
      'connectors types',
      'opt-outs check',
      'projects delete',
      'users create',
      'webhooks rotate-secret',
      'webhooks replay',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('offers the processes of a scaled-out relay: start --no-worker, worker --health-port, migrate', () => {
    const flags = (name: string) => commands.find(([n]) => n === name)![1].options.map((option) => option.long);
    expect(flags('start')).toContain('--no-worker');
    expect(flags('worker')).toContain('--health-port');
    expect(flags('migrate')).toEqual(expect.arrayContaining(['--data-dir', '--json']));
  });

  it.each(commands)('describes `%s`', (_name, command) => {
    expect(command.description().length).toBeGreaterThan(10);
  });
});
