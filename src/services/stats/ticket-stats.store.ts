import type { EntityManager } from '@mikro-orm/postgresql';
import { StatsGroupBy, StatsInterval, type StatsRange } from '../../domain/stats/stats-range';

/**
 * ticketStats' SQL (docs/domain.md "Dashboards"). PostgreSQL does all the time arithmetic:
 * date_trunc(field, timestamptz, zone) puts a ticket in its bucket and generate_series(…, zone)
 * lists the buckets, both with the zone's own rules, so a DST day has 23 or 25 hourly buckets and
 * no offset is ever computed here. Only constant fragments are spliced into the SQL; every value
 * travels as a binding.
 */

export interface StatsQuery {
  readonly range: StatsRange;
  /** Only this channel's tickets (already checked to be a UUID). */
  readonly channelId: string | null;
}

export interface TicketStatsRow {
  readonly bucketStart: Date | null;
  readonly key: string | null;
  readonly label: string | null;
  readonly created: number;
  readonly solved: number;
  readonly reopened: number;
  readonly slaBreached: number;
  readonly firstReplyP50Seconds: number | null;
  readonly firstReplyP90Seconds: number | null;
  readonly resolutionP50Seconds: number | null;
  readonly resolutionP90Seconds: number | null;
}

const TRUNC_FIELD: Readonly<Record<StatsInterval, string>> = {
  [StatsInterval.HOUR]: 'hour',
  [StatsInterval.DAY]: 'day',
  [StatsInterval.WEEK]: 'week',
};

const STEP: Readonly<Record<StatsInterval, string>> = {
  [StatsInterval.HOUR]: '1 hour',
  [StatsInterval.DAY]: '1 day',
  [StatsInterval.WEEK]: '1 week',
};

/**
 * The key a ticket is counted under, as text. '' stands for "no group" (no grouping, or no
 * assignee) so that figures join their group with a plain, hashable equality.
 */
const TICKET_KEY: Readonly<Record<StatsGroupBy, string>> = {
  [StatsGroupBy.CHANNEL]: 't.channel_id::text',
  [StatsGroupBy.STYLE]: 't.style_id::text',
  [StatsGroupBy.AGENT]: "coalesce(t.assignee_id::text, '')",
  [StatsGroupBy.PRIORITY]: 't.priority::text',
};

/** A statement and its bindings, built together so the placeholders and values stay in step. */
class Sql {
  readonly bindings: unknown[] = [];
  text = '';

  add(fragment: string, ...values: unknown[]): this {
    this.text += fragment;
    this.bindings.push(...values);
    return this;
  }
}

/**
 * Every group of the grouping, whether or not it has tickets, in display order (`ord`): by name
 * for channels, styles and agents, then the unassigned group last; priorities by urgency.
 */
function groupsSql(sql: Sql, query: StatsQuery): void {
  switch (query.range.groupBy) {
    case null:
      sql.add(`select '' as key, null::text as label, 0::bigint as ord`);
      return;
    case StatsGroupBy.CHANNEL:
      sql.add(
        `select id::text as key, name as label, row_number() over (order by name, id) as ord from channels`,
      );
      if (query.channelId !== null) sql.add(` where id = ?::uuid`, query.channelId);
      return;
    case StatsGroupBy.STYLE:
      sql.add(
        `select id::text as key, name as label, row_number() over (order by name, id) as ord from conversation_styles`,
      );
      return;
    case StatsGroupBy.AGENT:
      sql.add(`select id::text as key, name as label, row_number() over (order by name, id) as ord from agents
               union all select '', null, 9223372036854775807`);
      return;
    case StatsGroupBy.PRIORITY:
      sql.add(`select p::text as key, p::text as label, row_number() over (order by p desc) as ord
                 from unnest(enum_range(null::ticket_priority)) p`);
      return;
  }
}

/** The buckets' starts: every bucket of the range in the zone (the first may begin before `from`). */
function bucketsSql(sql: Sql, range: StatsRange): void {
  if (range.interval === null) {
    // One bucket for the whole range; -infinity is its join key, reported as no bucketStart.
    sql.add(`select '-infinity'::timestamptz as bucket_start`);
    return;
  }
  sql.add(
    `select b as bucket_start from generate_series(
       date_trunc(?, ?::timestamptz, ?), ?::timestamptz - interval '1 microsecond', ?::interval, ?) b`,
    TRUNC_FIELD[range.interval],
    range.from,
    range.timeZone,
    range.to,
    STEP[range.interval],
    range.timeZone,
  );
}

/** How many rows an answer would have (checked against the limit before the figures are computed). */
export async function countStatsRows(
  em: EntityManager,
  query: StatsQuery,
): Promise<{ buckets: number; groups: number; channelExists: boolean }> {
  const sql = new Sql().add('select (select count(*) from (');
  bucketsSql(sql, query.range);
  sql.add(`) b)::int as buckets, (select count(*) from (`);
  groupsSql(sql, query);
  sql.add(`) g)::int as groups, `);
  if (query.channelId === null) sql.add('true as channel_exists');
  else sql.add('exists (select 1 from channels where id = ?::uuid) as channel_exists', query.channelId);
  const [row] = await em.execute<{ buckets: number; groups: number; channel_exists: boolean }[]>(
    sql.text,
    sql.bindings,
  );
  return { buckets: row!.buckets, groups: row!.groups, channelExists: row!.channel_exists };
}

/**
 * The figures, in one statement. Per ticket created in [from, to) (docs/domain.md "Dashboards"):
 * its bucket and group, its first reply and resolution in whole seconds as Ticket.metrics has
 * them, whether it was ever reopened and whether it has an SLA_BREACHED event. Then one
 * aggregate per (bucket, group), with both percentiles of a figure from one sort
 * (percentile_cont over an array), joined onto every bucket × group so empty ones are rows too.
 */
export function ticketStatsSql(query: StatsQuery): Sql {
  const { range } = query;
  const sql = new Sql().add('with buckets as (');
  bucketsSql(sql, range);
  sql.add('), groups as (');
  groupsSql(sql, query);
  // The (kind, ticket_id) index answers the breached tickets without reading every event.
  sql.add(`), breached as (
      select distinct e.ticket_id from ticket_events e where e.kind = 'SLA_BREACHED'
    ), scoped as (
      select `);
  if (range.interval === null) sql.add(`'-infinity'::timestamptz`);
  else sql.add(`date_trunc(?, t.created_at, ?)`, TRUNC_FIELD[range.interval], range.timeZone);
  sql.add(
    ` as bucket_start, ${range.groupBy === null ? "''" : TICKET_KEY[range.groupBy]} as key,
        case when t.first_end_user_message_at is not null and t.first_agent_reply_at is not null
             then floor(date_part('epoch', t.first_agent_reply_at - t.first_end_user_message_at)) end
          as first_reply,
        case when t.status in ('SOLVED', 'CLOSED') and t.last_solved_at is not null
             then floor(date_part('epoch', t.last_solved_at - t.created_at)) end as resolution,
        t.reopen_count > 0 as reopened,
        br.ticket_id is not null as breached
      from tickets t left join breached br on br.ticket_id = t.id
      where t.created_at >= ?::timestamptz and t.created_at < ?::timestamptz`,
    range.from,
    range.to,
  );
  if (query.channelId !== null) sql.add(` and t.channel_id = ?::uuid`, query.channelId);
  sql.add(`
    ), figures as (
      select bucket_start, key,
        count(*)::int as created,
        count(resolution)::int as solved,
        count(*) filter (where reopened)::int as reopened,
        count(*) filter (where breached)::int as sla_breached,
        percentile_cont(array[0.5, 0.9]) within group (order by first_reply) as first_reply,
        percentile_cont(array[0.5, 0.9]) within group (order by resolution) as resolution
      from scoped group by bucket_start, key
    ), all_buckets as (
      -- A zone whose DST shift is not a whole hour (Lord Howe) can start an hour bucket off the
      -- series; such a bucket is listed too rather than its tickets dropped.
      select bucket_start from buckets union select bucket_start from figures
    )
    select nullif(b.bucket_start, '-infinity') as bucket_start, nullif(g.key, '') as key, g.label,
      coalesce(f.created, 0) as created, coalesce(f.solved, 0) as solved,
      coalesce(f.reopened, 0) as reopened, coalesce(f.sla_breached, 0) as sla_breached,
      floor(f.first_reply[1])::int as first_reply_p50, floor(f.first_reply[2])::int as first_reply_p90,
      floor(f.resolution[1])::int as resolution_p50, floor(f.resolution[2])::int as resolution_p90
    from all_buckets b cross join groups g
    left join figures f on f.bucket_start = b.bucket_start and f.key = g.key
    order by b.bucket_start, g.ord`);
  return sql;
}

interface StatsSqlRow {
  bucket_start: Date | string | null;
  key: string | null;
  label: string | null;
  created: number;
  solved: number;
  reopened: number;
  sla_breached: number;
  first_reply_p50: number | null;
  first_reply_p90: number | null;
  resolution_p50: number | null;
  resolution_p90: number | null;
}

export async function loadTicketStats(em: EntityManager, query: StatsQuery): Promise<TicketStatsRow[]> {
  const sql = ticketStatsSql(query);
  const rows = await em.execute<StatsSqlRow[]>(sql.text, sql.bindings);
  return rows.map((r) => ({
    bucketStart: r.bucket_start === null ? null : new Date(r.bucket_start),
    key: r.key,
    label: r.label,
    created: r.created,
    solved: r.solved,
    reopened: r.reopened,
    slaBreached: r.sla_breached,
    firstReplyP50Seconds: r.first_reply_p50,
    firstReplyP90Seconds: r.first_reply_p90,
    resolutionP50Seconds: r.resolution_p50,
    resolutionP90Seconds: r.resolution_p90,
  }));
}
