import {
  checkStatsSize,
  MAX_STATS_ROWS,
  StatsGroupBy,
  StatsInterval,
  validateStatsRange,
  type StatsRange,
  type StatsRangeInput,
} from './stats-range';

const ZONES = new Map([
  ['utc', 'UTC'],
  ['america/new_york', 'America/New_York'],
  ['asia/seoul', 'Asia/Seoul'],
]);
const at = (iso: string) => new Date(iso);
const FROM = '2026-03-01T00:00:00.000Z';

describe('validateStatsRange (docs/domain.md "Dashboards")', () => {
  it.each<[string, Partial<StatsRangeInput>, Partial<StatsRange>]>([
    ['defaults: UTC, no interval, no grouping', {}, { timeZone: 'UTC', interval: null, groupBy: null }],
    ['a zone in any case, trimmed', { timeZone: ' america/NEW_YORK ' }, { timeZone: 'America/New_York' }],
    ['an interval and a grouping', { interval: StatsInterval.DAY, groupBy: StatsGroupBy.AGENT }, {}],
    ['a range of exactly 366 days', { to: at('2027-03-02T00:00:00.000Z') }, {}],
    ['a range of one millisecond', { to: at('2026-03-01T00:00:00.001Z') }, {}],
  ])('accepts %s', (_name, override, expected) => {
    const input: StatsRangeInput = { from: at(FROM), to: at('2026-03-08T00:00:00.000Z'), ...override };
    expect(validateStatsRange(input, ZONES)).toEqual({
      from: input.from,
      to: input.to,
      interval: input.interval ?? null,
      groupBy: input.groupBy ?? null,
      timeZone: 'UTC',
      ...expected,
    });
  });

  it.each<[string, Partial<StatsRangeInput>, string]>([
    ['to equal to from', { to: at(FROM) }, 'input.to'],
    ['to before from', { to: at('2026-02-28T23:59:59.999Z') }, 'input.to'],
    ['366 days and a millisecond', { to: at('2027-03-02T00:00:00.001Z') }, 'input.to'],
    ['an invalid from', { from: at('not a time') }, 'input.from'],
    ['an invalid to', { to: at('not a time') }, 'input.to'],
    ['an unknown zone', { timeZone: 'Mars/Olympus_Mons' }, 'input.timeZone'],
    ['a blank zone', { timeZone: '  ' }, 'input.timeZone'],
    ['an offset instead of a zone', { timeZone: '+09:00' }, 'input.timeZone'],
  ])('refuses %s, naming %s', (_name, override, field) => {
    const input: StatsRangeInput = { from: at(FROM), to: at('2026-03-08T00:00:00.000Z'), ...override };
    expect(() => validateStatsRange(input, ZONES)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field }),
    );
  });
});

describe('checkStatsSize', () => {
  const range = (interval: StatsInterval | null): StatsRange => ({
    from: at(FROM),
    to: at('2026-03-08T00:00:00.000Z'),
    interval,
    groupBy: StatsGroupBy.CHANNEL,
    timeZone: 'UTC',
  });

  it.each<[StatsInterval | null, number, number, string | null]>([
    [StatsInterval.HOUR, 8_785, 1, null], // 366 days of hours and a partial one
    [StatsInterval.HOUR, 5_000, 2, null],
    [StatsInterval.HOUR, 5_001, 2, 'input.interval'],
    [StatsInterval.DAY, 367, 27, null],
    [StatsInterval.DAY, 367, 28, 'input.interval'],
    [null, 1, MAX_STATS_ROWS, null],
    [null, 1, MAX_STATS_ROWS + 1, 'input.groupBy'],
    [StatsInterval.WEEK, 53, 0, null],
  ])('%s: %p buckets × %p groups → refused naming %p', (interval, buckets, groups, field) => {
    const check = () => checkStatsSize(range(interval), buckets, groups);
    if (field === null) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', field }));
  });
});
