import { describe, expect, it } from 'vitest';
import { parseDuration, parseParamFlag, pastTime, splitList } from '../../src/cli/parse.js';

describe('cli splitList', () => {
  it.each([
    ['', []],
    ['MA', ['MA']],
    ['ma, fr ,,us', ['ma', 'fr', 'us']],
    [' , ', []],
  ])('reads %j as %j', (value, expected) => {
    expect(splitList(value)).toEqual(expected);
  });
});

describe('cli parseDuration', () => {
  const now = Date.UTC(2026, 0, 1);
  it.each([
    ['30m', now + 30 * 60_000],
    ['12h', now + 12 * 3_600_000],
    ['30d', now + 30 * 86_400_000],
    [' 2 w ', now + 2 * 604_800_000],
    ['1y', now + 31_536_000_000],
    ['2027-01-01T00:00:00Z', Date.UTC(2027, 0, 1)],
  ])('reads %j', (value, expected) => {
    expect(parseDuration(value, now)).toBe(expected);
  });

  it.each(['soon', '30s', '-1d', '2025-12-31T00:00:00Z', ''])(
    'refuses %j, naming the flag and the forms it takes',
    (value) => {
      expect(() => parseDuration(value, now)).toThrow(
        `--expires takes a duration (30d, 12h, 1y) or a future date, not ${value}`,
      );
    },
  );
});

describe('cli pastTime (--since, --until)', () => {
  const now = Date.UTC(2026, 5, 1, 12);
  it.each([
    ['90s', '2026-06-01T11:58:30.000Z'],
    ['30m', '2026-06-01T11:30:00.000Z'],
    [' 2 h ', '2026-06-01T10:00:00.000Z'],
    ['7d', '2026-05-25T12:00:00.000Z'],
    ['2026-05-01', '2026-05-01T00:00:00.000Z'],
    // Left for the history's schema to accept or refuse, as the API does.
    ['2026-05-01T08:00:00+01:00', '2026-05-01T08:00:00+01:00'],
    ['yesterday', 'yesterday'],
    ['999999999y', '999999999y'],
  ])('reads %j as %j', (value, expected) => {
    expect(pastTime(value, now)).toBe(expected);
  });
});

describe('cli parseParamFlag', () => {
  it.each([
    ['name', ['name', { type: 'text', maxLength: 200 }]],
    ['name:text:100', ['name', { type: 'text', maxLength: 100 }]],
    ['note:text:500:multiline', ['note', { type: 'text', maxLength: 500, multiline: true }]],
    ['note:text:500:multiline,links', ['note', { type: 'text', maxLength: 500, multiline: true, allowLinks: true }]],
    ['note:text::links', ['note', { type: 'text', maxLength: 200, allowLinks: true }]],
    ['email:email', ['email', { type: 'email' }]],
    ['n:number', ['n', { type: 'number' }]],
    ['at:pattern:^\\d{2}:\\d{2}$', ['at', { type: 'pattern', pattern: '^\\d{2}:\\d{2}$' }]],
  ])('reads %j', (spec, expected) => {
    expect(parseParamFlag(spec)).toEqual(expected);
  });

  it.each([
    ['note:text:100:bold', 'text options are multiline and links'],
    ['note:text:100:links:extra', 'text options are multiline and links'],
    ['when:date', 'the type must be text, email, number or pattern'],
  ])('refuses %j', (spec, message) => {
    expect(() => parseParamFlag(spec)).toThrow(`--param ${spec}: ${message}`);
  });
});
