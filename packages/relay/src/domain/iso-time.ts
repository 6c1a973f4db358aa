const DAY_MS = 86_400_000;
/** The largest time a `Date` holds (±100,000,000 days around 1970); beyond it `toISOString` throws. */
const MAX_TIME = 8.64e15;
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** `YYYY-MM-DDT` by day since 1970; cleared when full (an export walks a few hundred days). */
const days = new Map<number, string>();
const MAX_DAYS = 4096;

/**
 * `new Date(ms).toISOString()`, the same text, about five times faster (0.3 µs against 1.4): the
 * date part is formatted once per day and cached, the time of day is a few table lookups. An
 * export formats up to four times per row, and `toISOString` was 5 % of its time. Times that are
 * not whole milliseconds, or that a `Date` cannot hold, go to `toISOString` itself (its rounding,
 * its `RangeError`).
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms > MAX_TIME || ms < -MAX_TIME) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  let date = days.get(day);
  if (date === undefined) {
    const text = new Date(day * DAY_MS).toISOString();
    date = text.slice(0, text.indexOf('T') + 1);
    if (days.size >= MAX_DAYS) days.clear();
    days.set(day, date);
  }
  let rest = ms - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  return `${date}${TWO[hour]!}:${TWO[minute]!}:${TWO[second]!}.${THREE[milli]!}Z`;
}
