import {
  addBusinessSeconds,
  type BusinessHours,
  type BusinessHoursInterval,
  clockMinutes,
  Weekday,
} from './business-time';

const WEEKDAYS = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY];
const every = (days: readonly Weekday[], start: string, end: string): BusinessHoursInterval[] =>
  days.map((day) => ({ day, start, end }));
const hours = (
  timeZone: string,
  weekly: BusinessHoursInterval[],
  holidays: string[] = [],
): BusinessHours => ({ timeZone, weekly, holidays });

const NEW_YORK_OFFICE = hours('America/New_York', every(WEEKDAYS, '09:00', '17:00'));
const SEOUL_OFFICE = hours('Asia/Seoul', every(WEEKDAYS, '09:00', '18:00'));
const H = 3600;

describe('addBusinessSeconds', () => {
  // 2026-03-08 and 2026-11-01 are the Sundays on which New York springs forward and falls back.
  it.each<[string, BusinessHours | null, string, number, string | null]>([
    [
      'no business hours: plain elapsed time',
      null,
      '2026-03-07T23:30:00Z',
      2 * H,
      '2026-03-08T01:30:00.000Z',
    ],
    ['inside one interval', NEW_YORK_OFFICE, '2026-03-02T15:00:00Z', 2 * H, '2026-03-02T17:00:00.000Z'],
    ['from before opening', NEW_YORK_OFFICE, '2026-03-02T12:00:00Z', H, '2026-03-02T15:00:00.000Z'],
    [
      'from after closing: the next day',
      NEW_YORK_OFFICE,
      '2026-03-02T23:00:00Z',
      H,
      '2026-03-03T15:00:00.000Z',
    ],
    // Friday 16:00 EST: one hour on Friday, one on Monday.
    ['across a weekend', NEW_YORK_OFFICE, '2026-02-27T21:00:00Z', 2 * H, '2026-03-02T15:00:00.000Z'],
    [
      'across a weekend and a Monday holiday',
      hours('America/New_York', every(WEEKDAYS, '09:00', '17:00'), ['2026-03-02']),
      '2026-02-27T21:00:00Z',
      2 * H,
      '2026-03-03T15:00:00.000Z',
    ],
    [
      'from inside a holiday',
      hours('America/New_York', every(WEEKDAYS, '09:00', '17:00'), ['2026-03-03']),
      '2026-03-03T15:00:00Z',
      H,
      '2026-03-04T15:00:00.000Z',
    ],
    // Monday 10:00 is EDT (UTC−4) after Friday's EST (UTC−5): 14:00Z, not 15:00Z.
    [
      'New York springs forward over the weekend',
      NEW_YORK_OFFICE,
      '2026-03-06T21:00:00Z',
      2 * H,
      '2026-03-09T14:00:00.000Z',
    ],
    [
      'New York falls back over the weekend',
      NEW_YORK_OFFICE,
      '2026-10-30T20:00:00Z',
      2 * H,
      '2026-11-02T15:00:00.000Z',
    ],
    // Sunday 00:00–06:00 holds 5 real hours on the spring-forward day and 7 on the fall-back day.
    [
      'spring forward inside an interval: the interval is an hour shorter',
      hours('America/New_York', [{ day: Weekday.SUNDAY, start: '00:00', end: '06:00' }]),
      '2026-03-08T05:00:00Z',
      5 * H,
      '2026-03-08T10:00:00.000Z',
    ],
    [
      'spring forward: the sixth hour falls on the next Sunday',
      hours('America/New_York', [{ day: Weekday.SUNDAY, start: '00:00', end: '06:00' }]),
      '2026-03-08T05:00:00Z',
      6 * H,
      '2026-03-15T05:00:00.000Z',
    ],
    [
      'fall back inside an interval: the interval is an hour longer',
      hours('America/New_York', [{ day: Weekday.SUNDAY, start: '00:00', end: '06:00' }]),
      '2026-11-01T04:00:00Z',
      7 * H,
      '2026-11-01T11:00:00.000Z',
    ],
    // 01:00 happens twice that night; luxon takes the second (EST): the interval is 2 real hours.
    [
      'fall back: an interval starting in the repeated hour starts at its second occurrence',
      hours('America/New_York', [{ day: Weekday.SUNDAY, start: '01:00', end: '03:00' }]),
      '2026-11-01T00:00:00Z',
      2 * H,
      '2026-11-01T08:00:00.000Z',
    ],
    // 02:30 does not exist that night: luxon moves it forward by the gap, to 03:30 EDT.
    [
      'spring forward: an interval starting in the gap starts an hour later',
      hours('America/New_York', [{ day: Weekday.SUNDAY, start: '02:30', end: '04:00' }]),
      '2026-03-08T00:00:00Z',
      30 * 60,
      '2026-03-08T08:00:00.000Z',
    ],
    // Friday 17:00 KST: one hour on Friday, one on Monday, at UTC+9 on both (Seoul has no DST).
    [
      'Asia/Seoul across the US spring-forward weekend',
      SEOUL_OFFICE,
      '2026-03-06T08:00:00Z',
      2 * H,
      '2026-03-09T01:00:00.000Z',
    ],
    ['Asia/Seoul in July', SEOUL_OFFICE, '2026-07-03T08:00:00Z', 2 * H, '2026-07-06T01:00:00.000Z'],
    [
      "Asia/Seoul: a holiday is a date of the zone's calendar",
      hours('Asia/Seoul', every(WEEKDAYS, '09:00', '18:00'), ['2026-03-02']),
      '2026-02-27T08:00:00Z',
      2 * H,
      '2026-03-03T01:00:00.000Z',
    ],
    [
      'an interval ending at midnight: time runs out exactly at 24:00',
      hours('America/New_York', every([Weekday.MONDAY, Weekday.TUESDAY], '20:00', '24:00')),
      '2026-03-03T04:00:00Z',
      H,
      '2026-03-03T05:00:00.000Z',
    ],
    [
      'an interval ending at midnight, then the next evening',
      hours('America/New_York', every([Weekday.MONDAY, Weekday.TUESDAY], '20:00', '24:00')),
      '2026-03-03T04:00:00Z',
      2 * H,
      '2026-03-04T02:00:00.000Z',
    ],
    [
      'a lunch break',
      hours('America/New_York', [
        { day: Weekday.MONDAY, start: '13:00', end: '17:00' },
        { day: Weekday.MONDAY, start: '09:00', end: '12:00' },
      ]),
      '2026-03-02T16:00:00Z',
      2 * H,
      '2026-03-02T19:00:00.000Z',
    ],
    // 40 hours a week: two whole weeks, then Monday, Tuesday and four hours of Wednesday (EDT by then).
    [
      'a target longer than a week of business hours',
      NEW_YORK_OFFICE,
      '2026-03-02T14:00:00Z',
      100 * H,
      '2026-03-18T17:00:00.000Z',
    ],
    [
      'one minute a week cannot hold a year within the horizon',
      hours('UTC', [{ day: Weekday.MONDAY, start: '09:00', end: '09:01' }]),
      '2026-03-02T00:00:00Z',
      31_536_000,
      null,
    ],
  ])('%s', (_name, businessHours, start, seconds, due) => {
    const result = addBusinessSeconds(new Date(start), seconds, businessHours);
    expect(result === null ? null : result.toISOString()).toBe(due);
  });
});

describe('clockMinutes', () => {
  it.each<[string, number | null]>([
    ['00:00', 0],
    ['09:30', 570],
    ['23:59', 1439],
    ['24:00', 1440],
    ['24:01', null],
    ['25:00', null],
    ['12:60', null],
    ['9:00', null],
    ['9:0', null],
    [' 09:00', null],
    ['0900', null],
    ['', null],
  ])('%j → %j', (text, minutes) => {
    expect(clockMinutes(text)).toBe(minutes);
  });
});
