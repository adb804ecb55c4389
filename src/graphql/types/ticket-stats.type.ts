import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { StatsGroupBy, StatsInterval } from '../../domain/stats/stats-range';
import type { TicketStatsRow } from '../../services/stats/ticket-stats.store';

registerEnumType(StatsGroupBy, {
  name: 'StatsGroupBy',
  description: 'What ticketStats rows are per, besides the time bucket.',
  valuesConfig: {
    CHANNEL: { description: "The ticket's channel." },
    STYLE: { description: 'The conversation style the ticket was created with.' },
    AGENT: { description: "The ticket's current assignee (unassigned tickets: a row with no key)." },
    PRIORITY: { description: "The ticket's priority." },
  },
});

registerEnumType(StatsInterval, {
  name: 'StatsInterval',
  description: 'The length of a ticketStats time bucket, in the requested time zone.',
  valuesConfig: {
    HOUR: { description: 'An hour of the zone’s clock (23 or 25 of them on a DST change day).' },
    DAY: { description: 'A calendar day of the zone (23 or 25 hours on a DST change).' },
    WEEK: { description: 'A week of the zone from Monday 00:00 (ISO weeks).' },
  },
});

@InputType('TicketStatsInput', {
  description: 'Tickets created in [from, to), at most 366 days, at most 10,000 rows (buckets × groups).',
})
export class TicketStatsInput {
  @Field(() => Date, { description: 'First instant of the range (included).' })
  from!: Date;

  @Field(() => Date, { description: 'End of the range (excluded); after `from`, at most 366 days later.' })
  to!: Date;

  @Field(() => StatsGroupBy, { nullable: true, description: 'One row per group; none: no grouping.' })
  groupBy?: StatsGroupBy | null;

  @Field(() => StatsInterval, {
    nullable: true,
    description: 'One row per bucket, empty buckets included; none: one bucket for the whole range.',
  })
  interval?: StatsInterval | null;

  @Field(() => String, {
    nullable: true,
    description: 'IANA time zone the buckets follow, such as "America/New_York"; default UTC.',
  })
  timeZone?: string | null;

  @Field(() => ID, { nullable: true, description: "Only this channel's tickets." })
  channelId?: string | null;
}

@ObjectType('TicketStatsRow', {
  description:
    'Figures of the tickets created in one bucket and group; counts and percentiles are as of now (docs: "Dashboards").',
})
export class TicketStatsRowType {
  @Field(() => Date, {
    nullable: true,
    description: 'Start of the bucket in the time zone (may precede `from`); null without an interval.',
  })
  bucketStart!: Date | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'The channel, style or agent id, or the priority; null without groupBy, and for unassigned tickets.',
  })
  key!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The channel's, style's or agent's name, or the priority; null where key is null.",
  })
  label!: string | null;

  @Field(() => Int, { description: 'Tickets created in the bucket.' })
  created!: number;

  @Field(() => Int, { description: 'Of those, tickets SOLVED or CLOSED now.' })
  solved!: number;

  @Field(() => Int, { description: 'Of those, tickets reopened at least once.' })
  reopened!: number;

  @Field(() => Int, { description: 'Of those, tickets with at least one SLA breach.' })
  slaBreached!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Median first reply time (Ticket.metrics.firstReplySeconds), in seconds; null: no replies.',
  })
  firstReplyP50Seconds!: number | null;

  @Field(() => Int, { nullable: true, description: '90th percentile of the first reply time, in seconds.' })
  firstReplyP90Seconds!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Median resolution time (created → last solve) of the solved tickets, in seconds.',
  })
  resolutionP50Seconds!: number | null;

  @Field(() => Int, { nullable: true, description: '90th percentile of the resolution time, in seconds.' })
  resolutionP90Seconds!: number | null;

  static from(row: TicketStatsRow): TicketStatsRowType {
    return Object.assign(new TicketStatsRowType(), row);
  }
}
