/** Pure readers of CLI flag values; each error names the flag and the form it takes. */

/** `a, b,,c` → `['a', 'b', 'c']`. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const durationUnits = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 } as const;

/** `--expires`: a duration from `now` (`30d`, `12h`, `1y`) or a future date, as epoch ms. */
export function parseDuration(value: string, now: number): number {
  const match = /^(\d+)\s*(m|h|d|w|y)$/.exec(value.trim());
  if (match) return now + Number(match[1]) * durationUnits[match[2] as keyof typeof durationUnits];
  const at = Date.parse(value);
  if (Number.isNaN(at) || at <= now)
    throw new Error(`--expires takes a duration (30d, 12h, 1y) or a future date, not ${value}`);
  return at;
}

const agoUnits = { s: 1000, ...durationUnits } as const;

/**
 * `--since` / `--until`: a time `value` ago (`90s`, `30m`, `2h`, `7d`, `1w`) or a day
 * (`2026-06-01`, midnight UTC) as ISO 8601; anything else as given, for the history's schema to
 * accept (`2026-06-01T08:00:00+01:00`) or refuse as the API does.
 */
export function pastTime(value: string, now: number): string {
  const match = /^(\d{1,9})\s*(s|m|h|d|w|y)$/.exec(value.trim());
  if (match) {
    const at = new Date(now - Number(match[1]) * agoUnits[match[2] as keyof typeof agoUnits]);
    return Number.isNaN(at.getTime()) ? value : at.toISOString();
  }
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value;
}

/**
 * One `--param` flag: `name` (text, 200), `name:text:100`, `name:text:100:multiline,links`,
 * `name:email`, `name:number` or `name:pattern:REGEX` (the regex may contain colons).
 */
export function parseParamFlag(spec: string): [string, unknown] {
  const [name = '', type = 'text', ...rest] = spec.split(':');
  switch (type) {
    case 'text': {
      const [size = '', options = '', ...extra] = rest;
      const opts = options.split(',').filter(Boolean);
      const unknown = [...opts.filter((o) => o !== 'multiline' && o !== 'links'), ...extra];
      if (unknown.length > 0)
        throw new Error(`--param ${spec}: text options are multiline and links (name:text:100:multiline,links)`);
      return [
        name,
        {
          type: 'text',
          maxLength: size ? Number(size) : 200,
          ...(opts.includes('multiline') && { multiline: true }),
          ...(opts.includes('links') && { allowLinks: true }),
        },
      ];
    }
    case 'email':
      return [name, { type: 'email' }];
    case 'number':
      return [name, { type: 'number' }];
    case 'pattern':
      return [name, { type: 'pattern', pattern: rest.join(':') }];
    default:
      throw new Error(`--param ${spec}: the type must be text, email, number or pattern`);
  }
}
