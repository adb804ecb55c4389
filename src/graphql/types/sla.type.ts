import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { type BusinessHours, Weekday } from '../../domain/sla/business-time';
import { SlaTarget } from '../../domain/sla/sla.rules';
import type { SlaPolicyEntity } from '../../entities/sla-policy.entity';
import type { TicketEntity } from '../../entities/ticket.entity';
import { TicketPriority } from '../enums';
import { Node, NODE_ID_DESCRIPTION } from './node.type';

registerEnumType(Weekday, {
  name: 'Weekday',
  description: 'A day of the week, in the business hours’ time zone.',
  valuesConfig: {
    MONDAY: { description: 'Monday.' },
    TUESDAY: { description: 'Tuesday.' },
    WEDNESDAY: { description: 'Wednesday.' },
    THURSDAY: { description: 'Thursday.' },
    FRIDAY: { description: 'Friday.' },
    SATURDAY: { description: 'Saturday.' },
    SUNDAY: { description: 'Sunday.' },
  },
});

registerEnumType(SlaTarget, {
  name: 'SlaTarget',
  description: 'One of the times an SLA policy sets, counted in its business hours.',
  valuesConfig: {
    FIRST_REPLY: { description: "The end user's first message → the first public agent reply." },
    NEXT_REPLY: {
      description:
        'After the first reply: an end-user message that leaves a reply owed → the next public agent reply.',
    },
    RESOLUTION: { description: 'The ticket created → solved (a reopen resumes it, due when it was before).' },
  },
});

@ObjectType('BusinessHoursInterval', { description: 'Business time on one day of every week, local time.' })
export class BusinessHoursIntervalType {
  @Field(() => Weekday, { description: 'The day.' })
  day!: Weekday;

  @Field({ description: 'From, "HH:MM" (00:00-23:59).' })
  start!: string;

  @Field({ description: 'Until, "HH:MM", after start; "24:00" is midnight at the end of the day.' })
  end!: string;
}

@ObjectType('BusinessHours', {
  description: 'When SLA time counts: weekly intervals in a time zone, minus holiday dates.',
})
export class BusinessHoursType {
  @Field({ description: 'An IANA time zone, e.g. "America/New_York"; its DST rules apply.' })
  timeZone!: string;

  @Field(() => [BusinessHoursIntervalType], { description: 'The intervals of every week.' })
  weekly!: BusinessHoursIntervalType[];

  @Field(() => [String], { description: 'Dates ("YYYY-MM-DD", in the time zone) with no business time.' })
  holidays!: string[];

  static from(hours: BusinessHours): BusinessHoursType {
    return Object.assign(new BusinessHoursType(), {
      timeZone: hours.timeZone,
      weekly: hours.weekly.map((i) => Object.assign(new BusinessHoursIntervalType(), i)),
      holidays: [...hours.holidays],
    });
  }
}

@ObjectType('SlaPolicy', {
  description:
    'Service-level targets for the tickets it takes. Policies are tried by position; a ticket follows the first that takes it, chosen when it is created and again when it is updated (its priority).',
  implements: Node,
})
export class SlaPolicyType {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  id!: string;

  @Field({ description: 'For people.' })
  name!: string;

  @Field(() => Int, { description: 'Lower first; policies at the same position, the older first.' })
  position!: number;

  @Field(() => [TicketPriority], { description: 'The priorities it takes; empty: any.' })
  priorities!: TicketPriority[];

  @Field(() => [ID], { description: 'The channels whose tickets it takes; empty: any.' })
  channelIds!: string[];

  @Field(() => Int, { nullable: true, description: 'First-reply target, in seconds of business time.' })
  firstReplySeconds!: number | null;

  @Field(() => Int, { nullable: true, description: 'Next-reply target, in seconds of business time.' })
  nextReplySeconds!: number | null;

  @Field(() => Int, { nullable: true, description: 'Resolution target, in seconds of business time.' })
  resolutionSeconds!: number | null;

  @Field(() => BusinessHoursType, { nullable: true, description: 'Null: every hour of every day counts.' })
  businessHours!: BusinessHoursType | null;

  static from(entity: SlaPolicyEntity): SlaPolicyType {
    return Object.assign(new SlaPolicyType(), {
      id: entity.id,
      name: entity.name,
      position: entity.position,
      priorities: [...entity.priorities],
      channelIds: [...entity.channelIds],
      firstReplySeconds: entity.firstReplySeconds,
      nextReplySeconds: entity.nextReplySeconds,
      resolutionSeconds: entity.resolutionSeconds,
      businessHours: entity.businessHours === null ? null : BusinessHoursType.from(entity.businessHours),
    });
  }
}

@ObjectType('TicketSla', {
  description: "A ticket's SLA: its policy, when each running target is due, and the targets missed.",
})
export class TicketSlaType {
  @Field(() => SlaPolicyType, { description: 'The policy the ticket follows.' })
  policy!: SlaPolicyType;

  @Field(() => Date, {
    nullable: true,
    description:
      'When the first reply is due; null once given, while SOLVED or CLOSED, or without that target.',
  })
  firstReplyDueAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the reply owed to the end user is due; null while none is owed.',
  })
  nextReplyDueAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the ticket must be solved; null while SOLVED or CLOSED.',
  })
  resolutionDueAt!: Date | null;

  @Field(() => [SlaTarget], {
    description: 'Targets missed (each once, with one SLA_BREACHED change); they stay here.',
  })
  breached!: SlaTarget[];

  static from(ticket: TicketEntity, policy: SlaPolicyEntity): TicketSlaType {
    return Object.assign(new TicketSlaType(), {
      policy: SlaPolicyType.from(policy),
      firstReplyDueAt: ticket.firstReplyDueAt,
      nextReplyDueAt: ticket.nextReplyDueAt,
      resolutionDueAt: ticket.resolutionDueAt,
      breached: [...ticket.slaBreached],
    });
  }
}

@InputType('BusinessHoursIntervalInput', {
  description: 'Business time on one day of every week, local time.',
})
export class BusinessHoursIntervalInput {
  @Field(() => Weekday, { description: 'The day.' })
  day!: Weekday;

  @Field({ description: 'From, "HH:MM" (00:00-23:59).' })
  start!: string;

  @Field({
    description:
      'Until, "HH:MM", after start; "24:00" for midnight. An interval past midnight is two, one on each day.',
  })
  end!: string;
}

@InputType('BusinessHoursInput', { description: 'When SLA time counts.' })
export class BusinessHoursInput {
  @Field({ description: 'An IANA time zone, e.g. "Asia/Seoul" (not a fixed offset).' })
  timeZone!: string;

  @Field(() => [BusinessHoursIntervalInput], {
    description: 'At least one, at most 50; intervals on one day must not overlap.',
  })
  weekly!: BusinessHoursIntervalInput[];

  @Field(() => [String], {
    nullable: true,
    description: 'Dates "YYYY-MM-DD" (in the time zone) with no business time; at most 1,000.',
  })
  holidays?: string[] | null;
}

@InputType('CreateSlaPolicyInput', { description: 'A new SLA policy; it needs at least one target.' })
export class CreateSlaPolicyInput {
  @Field({ description: 'For people; 1-200 characters.' })
  name!: string;

  @Field(() => Int, { nullable: true, description: '0-1,000,000; omitted: after the last policy.' })
  position?: number | null;

  @Field(() => [TicketPriority], {
    nullable: true,
    description: 'The priorities it takes; omitted or empty: any.',
  })
  priorities?: TicketPriority[] | null;

  @Field(() => [ID], {
    nullable: true,
    description: 'The channels whose tickets it takes; omitted or empty: any.',
  })
  channelIds?: string[] | null;

  @Field(() => Int, {
    nullable: true,
    description: 'First-reply target: 1-31,536,000 seconds of business time; null: none.',
  })
  firstReplySeconds?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Next-reply target: 1-31,536,000 seconds of business time; null: none.',
  })
  nextReplySeconds?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Resolution target: 1-31,536,000 seconds of business time; null: none.',
  })
  resolutionSeconds?: number | null;

  @Field(() => BusinessHoursInput, { nullable: true, description: 'Omitted or null: every hour counts.' })
  businessHours?: BusinessHoursInput | null;
}

@InputType('UpdateSlaPolicyInput', {
  description:
    'Omitted fields keep their value; null clears a target or the business hours. Tickets already following the policy keep their due times until their next change.',
})
export class UpdateSlaPolicyInput {
  @Field(() => String, { nullable: true, description: 'For people; 1-200 characters.' })
  name?: string | null;

  @Field(() => Int, { nullable: true, description: '0-1,000,000.' })
  position?: number | null;

  @Field(() => [TicketPriority], { nullable: true, description: 'The priorities it takes; empty: any.' })
  priorities?: TicketPriority[] | null;

  @Field(() => [ID], { nullable: true, description: 'The channels whose tickets it takes; empty: any.' })
  channelIds?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'First-reply target in seconds; null: none.' })
  firstReplySeconds?: number | null;

  @Field(() => Int, { nullable: true, description: 'Next-reply target in seconds; null: none.' })
  nextReplySeconds?: number | null;

  @Field(() => Int, { nullable: true, description: 'Resolution target in seconds; null: none.' })
  resolutionSeconds?: number | null;

  @Field(() => BusinessHoursInput, {
    nullable: true,
    description: 'Replaces the business hours; null: every hour counts.',
  })
  businessHours?: BusinessHoursInput | null;
}
