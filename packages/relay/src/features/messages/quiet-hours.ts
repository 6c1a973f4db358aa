import { Cron } from 'croner';
import { getCountry } from 'countries-and-timezones';

import type { QuietHours } from '../../domain/project.js';

/*
 * A project's quiet hours (issue 16): marketing messages wait until the window has ended in the
 * recipient's time zone. `start` and `end` are local times (`HH:MM`, 24 h); a window may cross
 * midnight (`21:00`–`08:00`). `timeZone` (IANA) is used when the recipient's zone is not known
 * (an email address, a chat id, a number of a country the time-zone table does not know).
 */

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

const crons = new Map<string, Cron>();
/** The next instant (ms) strictly after `at` when the local time in `zone` is `hhmm`. */
function nextLocal(hhmm: string, zone: string, at: number): number {
  const key = `${hhmm} ${zone}`;
  let cron = crons.get(key);
  if (!cron) {
    const [, h, m] = HHMM.exec(hhmm)!;
    cron = new Cron(`${Number(m)} ${Number(h)} * * *`, { timezone: zone });
    if (crons.size > 5_000) crons.clear();
    crons.set(key, cron);
  }
  return cron.nextRun(new Date(at))!.getTime();
}

/**
 * When the window of `quiet` that `at` falls in ends in `zone`, or null when `at` is outside it
 * there (the window is `[start, end)`: at `start` it is quiet, at `end` it is not). Inside the
 * window the next end comes before the next start.
 */
function quietUntil(quiet: QuietHours, zone: string, at: number): number | null {
  if (quiet.start === quiet.end) return null;
  const end = nextLocal(quiet.end, zone, at);
  return end < nextLocal(quiet.start, zone, at) ? end : null;
}

/** The time zones of a recipient in `country` (ISO 3166 alpha-2), or `[fallback]` when unknown. */
export function recipientZones(country: string | null, fallback: string): string[] {
  const zones = country ? getCountry(country)?.timezones : undefined;
  return zones && zones.length > 0 ? zones : [fallback];
}

const clocks = new Map<string, Intl.DateTimeFormat>();
/** The local date and time in `zone` at `at`, to the minute. */
function clock(zone: string, at: number): string {
  let format = clocks.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'short', timeStyle: 'short' });
    clocks.set(zone, format);
  }
  return format.format(at);
}

/** Zones keyed by their local time at `at`: zones that read the same clock behave the same nearby. */
function distinctZones(zones: readonly string[], at: number): string[] {
  if (zones.length === 1) return [...zones];
  const byClock = new Map<string, string>();
  for (const zone of zones) {
    const key = clock(zone, at);
    if (!byClock.has(key)) byClock.set(key, zone);
  }
  return [...byClock.values()];
}

/**
 * What `afterQuietHours` found for a minute: quiet hours start and end on whole minutes, so every
 * instant of a minute waits until the same end, or none. A bulk send asks once per minute per
 * country, not once per message.
 */
const byMinute = new Map<string, number | null>();

/**
 * The first instant at or after `at` that is outside `quiet` in every one of `zones` (a country
 * with several: the message waits until none of them is in its quiet hours). Should the zones'
 * windows leave no such time (a country spanning half the world), the project's own time zone
 * decides.
 */
export function afterQuietHours(quiet: QuietHours, zones: readonly string[], at: number): number {
  const minute = Math.floor(at / 60_000);
  const key = `${quiet.start} ${quiet.end} ${quiet.timeZone} ${minute} ${zones.join(' ')}`;
  let until = byMinute.get(key);
  if (until === undefined) {
    until = quietEnd(quiet, zones, minute * 60_000);
    if (byMinute.size > 10_000) byMinute.clear();
    byMinute.set(key, until);
  }
  return until ?? at;
}

/** When the quiet hours around `at` end in every zone, or null when `at` is outside them in all. */
function quietEnd(quiet: QuietHours, zones: readonly string[], at: number): number | null {
  const candidates = distinctZones(zones, at);
  let t = at;
  for (let round = 0; round < 8; round++) {
    const ends = candidates.map((zone) => quietUntil(quiet, zone, t)).filter((e): e is number => e !== null);
    if (ends.length === 0) return t === at ? null : t;
    t = Math.max(...ends);
  }
  return quietUntil(quiet, quiet.timeZone, at);
}
