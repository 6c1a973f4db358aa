/**
 * How admin commands print their answers: readable by default (a sentence as it is, a list as a
 * table, one object as `field  value` lines), JSON with `--json`. Either way, a date is an ISO 8601
 * string, never an epoch number.
 */

/** Dates (`…At` fields holding ms since epoch) as ISO 8601, everywhere in `value`. */
export function isoDates(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) return value.map((v) => isoDates(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = /At$/.test(key) && typeof v === 'number' ? new Date(v).toISOString() : isoDates(v, depth + 1);
  }
  return out;
}

/** A value in one cell: text as it is, nothing as `-`, anything else as compact JSON. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.length === 0 ? '-' : value.join(', ');
  }
  return JSON.stringify(value);
}

/** Rows under a header, each column as wide as its widest cell. */
export function table(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return '(none)';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** An object's fields as `[name, value]`, a nested object's as `apiKey.id` (two levels). */
function flatten(object: Record<string, unknown>, prefix = '', depth = 0): Array<[string, unknown]> {
  return Object.entries(object).flatMap(([key, value]): Array<[string, unknown]> =>
    isPlainObject(value) && depth < 2 && Object.keys(value).length > 0
      ? flatten(value, `${prefix}${key}.`, depth + 1)
      : [[`${prefix}${key}`, value]],
  );
}

/** One object as `field  value` lines; a nested object's fields as `parent.field`. */
export function fields(object: Record<string, unknown>): string {
  const entries = flatten(object);
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([key, value]) => `${key.padEnd(width)}  ${cell(value)}`).join('\n');
}

/** What an admin command prints: JSON with `json`, else a readable form of the same answer. */
export function render(value: unknown, json = false): string {
  const answer = isoDates(value);
  if (json) return JSON.stringify(answer, null, 2);
  if (typeof answer === 'string') return answer;
  if (Array.isArray(answer)) {
    return answer.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))
      ? table(answer as Array<Record<string, unknown>>)
      : answer.map(cell).join('\n');
  }
  if (answer !== null && typeof answer === 'object') return fields(answer as Record<string, unknown>);
  return cell(answer);
}
