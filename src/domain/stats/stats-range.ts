import { badInput } from '../errors';

/** docs/domain.md "Dashboards": what a row of ticketStats is per. */
export enum StatsGroupBy {
  CHANNEL = 'CHANNEL',
  STYLE = 'STYLE',
  AGENT = 'AGENT',
  PRIORITY = 'PRIORITY',
}

export enum StatsInterval {
  HOUR = 'HOUR',
  DAY = 'DAY',
  WEEK = 'WEEK',
}

/** The longest range, in days of 24 hours: a year, leap day included. */
export const MAX_STATS_RANGE_DAYS = 366;
/** At most this many rows (buckets × groups) in one answer. */
export const MAX_STATS_ROWS = 10_000;
export const DEFAULT_STATS_TIME_ZONE = 'UTC';

const DAY_MS = 86_400_000;

export interface StatsRangeInput {
  readonly from: Date;
  readonly to: Date;
  readonly interval?: StatsInterval | null;
  readonly groupBy?: StatsGroupBy | null;
  readonly timeZone?: string | null;
}

/** A validated request: times in order and in range, the zone as its canonical name. */
export interface StatsRange {
  readonly from: Date;
  readonly to: Date;
  readonly interval: StatsInterval | null;
  readonly groupBy: StatsGroupBy | null;
  readonly timeZone: string;
}

/**
 * Checks the range against docs/domain.md "Dashboards". `zones` maps each known zone name,
 * lower-cased, to its canonical spelling: the zones are PostgreSQL's (it does the bucketing), so
 * the list comes from the database; matching ignores case as PostgreSQL does.
 */
export function validateStatsRange(input: StatsRangeInput, zones: ReadonlyMap<string, string>): StatsRange {
  if (Number.isNaN(input.from.getTime())) throw badInput('input.from', 'from is not a valid time');
  if (Number.isNaN(input.to.getTime())) throw badInput('input.to', 'to is not a valid time');
  if (input.to.getTime() <= input.from.getTime())
    throw badInput('input.to', 'to must be after from (the range is [from, to))');
  if (input.to.getTime() - input.from.getTime() > MAX_STATS_RANGE_DAYS * DAY_MS)
    throw badInput('input.to', `The range from → to may span at most ${MAX_STATS_RANGE_DAYS} days`);
  return {
    from: input.from,
    to: input.to,
    interval: input.interval ?? null,
    groupBy: input.groupBy ?? null,
    timeZone: canonicalTimeZone(input.timeZone, zones),
  };
}

function canonicalTimeZone(name: string | null | undefined, zones: ReadonlyMap<string, string>): string {
  if (name === null || name === undefined) return DEFAULT_STATS_TIME_ZONE;
  const canonical = zones.get(name.trim().toLowerCase());
  if (canonical === undefined)
    throw badInput(
      'input.timeZone',
      `Unknown time zone ${JSON.stringify(name)}: use an IANA name such as "Europe/Berlin" or "UTC"`,
    );
  return canonical;
}

/**
 * The size limit, once the database has counted the buckets (in the zone, so a DST day counts
 * right) and the groups. The field named is the one whose change helps most: the interval when
 * there is one (a coarser one divides the rows), else the grouping.
 */
export function checkStatsSize(range: StatsRange, buckets: number, groups: number): void {
  const rows = buckets * groups;
  if (rows <= MAX_STATS_ROWS) return;
  const what = `${buckets} bucket${buckets === 1 ? '' : 's'} × ${groups} group${groups === 1 ? '' : 's'} = ${rows} rows`;
  throw badInput(
    range.interval ? 'input.interval' : 'input.groupBy',
    `${what}; at most ${MAX_STATS_ROWS} per answer: choose a coarser interval, a shorter range or fewer groups`,
  );
}
