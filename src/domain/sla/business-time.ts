import { DateTime } from 'luxon';

/**
 * Business time (docs/domain.md "SLA"): weekly intervals of local wall-clock time in an IANA zone,
 * minus holiday dates. Every local time is turned into an instant by luxon, which knows each
 * zone's offsets and their changes; this module only walks the calendar day by day (whole days of
 * the civil calendar, which has no offsets) and adds up real elapsed time inside the intervals, so
 * a day on which the clocks go forward has an hour less of business time, and one on which they
 * go back an hour more.
 */

export enum Weekday {
  MONDAY = 'MONDAY',
  TUESDAY = 'TUESDAY',
  WEDNESDAY = 'WEDNESDAY',
  THURSDAY = 'THURSDAY',
  FRIDAY = 'FRIDAY',
  SATURDAY = 'SATURDAY',
  SUNDAY = 'SUNDAY',
}

/** ISO day numbers (luxon's `weekday`): Monday 1 … Sunday 7. */
export const ISO_WEEKDAY: Readonly<Record<Weekday, number>> = {
  [Weekday.MONDAY]: 1,
  [Weekday.TUESDAY]: 2,
  [Weekday.WEDNESDAY]: 3,
  [Weekday.THURSDAY]: 4,
  [Weekday.FRIDAY]: 5,
  [Weekday.SATURDAY]: 6,
  [Weekday.SUNDAY]: 7,
};

/** From `start` to `end` on `day`, local time, "HH:MM"; `end` "24:00" is the next midnight. */
export interface BusinessHoursInterval {
  readonly day: Weekday;
  readonly start: string;
  readonly end: string;
}

export interface BusinessHours {
  /** An IANA zone name, e.g. "America/New_York". */
  readonly timeZone: string;
  readonly weekly: readonly BusinessHoursInterval[];
  /** Local dates (YYYY-MM-DD, in the zone) with no business time at all. */
  readonly holidays: readonly string[];
}

const MINUTES_PER_DAY = 1_440;
const DAY_MS = 86_400_000;

/**
 * How far ahead a due time is looked for. A target that needs longer than this (seconds out of
 * all proportion to the hours) has no due time; policies are refused when one of theirs would.
 */
export const BUSINESS_TIME_HORIZON_DAYS = 5 * 366;

const CLOCK_TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

/** Minutes after local midnight of "HH:MM" (00:00 to 24:00, two digits each), or null. */
export function clockMinutes(text: string): number | null {
  const match = CLOCK_TIME.exec(text);
  if (!match) return null;
  if (match[3] !== undefined) return MINUTES_PER_DAY;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** The hours compiled for the walk: each ISO weekday's intervals in minutes, in order. */
interface Schedule {
  readonly zone: string;
  readonly days: ReadonlyMap<number, readonly (readonly [number, number])[]>;
  readonly holidays: ReadonlySet<string>;
}

function compile(hours: BusinessHours): Schedule {
  const days = new Map<number, [number, number][]>();
  for (const interval of hours.weekly) {
    const start = clockMinutes(interval.start);
    const end = clockMinutes(interval.end);
    // Validated policies never hold these; stored data that does counts for nothing rather than failing a change.
    if (start === null || end === null || end <= start) continue;
    const day = ISO_WEEKDAY[interval.day];
    const list = days.get(day) ?? [];
    list.push([start, end]);
    days.set(day, list);
  }
  for (const list of days.values()) list.sort((a, b) => a[0] - b[0]);
  return { zone: hours.timeZone, days, holidays: new Set(hours.holidays) };
}

/** The instant of a local wall-clock time on a civil date (held as that date's UTC midnight). */
function instant(civilMidnight: number, minutes: number, zone: string): number {
  const date = new Date(civilMidnight + Math.floor(minutes / MINUTES_PER_DAY) * DAY_MS);
  const minute = minutes % MINUTES_PER_DAY;
  return DateTime.fromObject(
    {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: Math.floor(minute / 60),
      minute: minute % 60,
    },
    { zone },
  ).toMillis();
}

/**
 * The instant at which `seconds` of business time have passed since `start`: `start` plus
 * `seconds` when there are no business hours; otherwise counted only inside the intervals. Time
 * runs out exactly at an interval's end when the target ends there. Null when that lies beyond
 * BUSINESS_TIME_HORIZON_DAYS (or the hours have no interval at all).
 */
export function addBusinessSeconds(start: Date, seconds: number, hours: BusinessHours | null): Date | null {
  if (hours === null) return new Date(start.getTime() + seconds * 1000);
  const schedule = compile(hours);
  if (schedule.days.size === 0) return null;
  const from = start.getTime();
  let remaining = seconds * 1000;
  const local = DateTime.fromMillis(from, { zone: schedule.zone });
  // An interval never reaches past its day's end (24:00), so none that began the day before can hold `start`.
  let civil = Date.UTC(local.year, local.month - 1, local.day);
  for (let i = 0; i < BUSINESS_TIME_HORIZON_DAYS; i++, civil += DAY_MS) {
    const date = new Date(civil);
    if (schedule.holidays.has(date.toISOString().slice(0, 10))) continue;
    const intervals = schedule.days.get(((date.getUTCDay() + 6) % 7) + 1);
    if (!intervals) continue;
    for (const [startMinute, endMinute] of intervals) {
      const end = instant(civil, endMinute, schedule.zone);
      const begin = Math.max(instant(civil, startMinute, schedule.zone), from);
      if (begin >= end) continue;
      if (remaining <= end - begin) return new Date(begin + remaining);
      remaining -= end - begin;
    }
  }
  return null;
}
