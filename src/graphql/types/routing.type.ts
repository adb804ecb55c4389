import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Candidate } from '../../domain/routing/routing-pick';
import type { QueueStats } from '../../services/routing/routing.service';
import { AgentType } from './agent.type';
import { TicketType } from './ticket.type';

@ObjectType('QueueStats', {
  description: 'Tickets waiting for an agent, and the agents who could take them.',
})
export class QueueStatsType {
  @Field(() => Int, { description: 'NEW tickets not on offer.' })
  waiting!: number;

  @Field(() => Date, {
    nullable: true,
    description: 'When the longest-waiting of those tickets started waiting; null when none waits.',
  })
  oldestWaitingSince!: Date | null;

  @Field(() => Int, { description: 'Agents whose status is ONLINE.' })
  agentsOnline!: number;

  @Field(() => Int, { description: 'Sum over ONLINE agents of capacity − load (never negative per agent).' })
  spareCapacity!: number;

  @Field(() => Int, {
    description:
      'Tickets not yet SOLVED or CLOSED with at least one missed SLA target (of every status, not only waiting ones).',
  })
  slaBreached!: number;

  static from(stats: QueueStats): QueueStatsType {
    return Object.assign(new QueueStatsType(), stats);
  }
}

export enum RoutingReason {
  CHOSEN = 'CHOSEN',
  RANKED_LOWER = 'RANKED_LOWER',
  NOT_ONLINE = 'NOT_ONLINE',
  AT_CAPACITY = 'AT_CAPACITY',
  MISSING_SKILL = 'MISSING_SKILL',
  MISSING_OPTIONAL_SKILL = 'MISSING_OPTIONAL_SKILL',
  OPTIONAL_SKILLS_LAPSED = 'OPTIONAL_SKILLS_LAPSED',
  DECLINED_BEFORE = 'DECLINED_BEFORE',
  TRANSFERRED_AWAY = 'TRANSFERRED_AWAY',
}
registerEnumType(RoutingReason, {
  name: 'RoutingReason',
  description: 'Why routing did or did not choose an agent.',
  valuesConfig: {
    CHOSEN: { description: 'Eligible and ranked first: routing would offer (or assign) the ticket to it.' },
    RANKED_LOWER: { description: 'Eligible, but another agent ranks higher.' },
    NOT_ONLINE: { description: 'AWAY or OFFLINE.' },
    AT_CAPACITY: { description: 'Its load has reached its capacity.' },
    MISSING_SKILL: { description: "Lacks some of the ticket's required skills (see missingSkills)." },
    MISSING_OPTIONAL_SKILL: {
      description:
        "Lacks some of the ticket's optional skills (see missingSkills), which still count: the ticket has waited less than the routing settings' skillsTimeoutSeconds (or that is null).",
    },
    OPTIONAL_SKILLS_LAPSED: {
      description:
        "Eligible only because the ticket's optional skills lapsed: it lacks some (see missingSkills), but the ticket has waited skillsTimeoutSeconds, so they no longer count. Its rank says whether it is chosen (1) or ranked lower.",
    },
    DECLINED_BEFORE: { description: 'It declined or missed an offer of this ticket before.' },
    TRANSFERRED_AWAY: { description: 'It had this ticket and transferred it away (transferTicket).' },
  },
});

const plural = (skills: readonly string[]): string => (skills.length > 1 ? 's' : '');

@ObjectType('RoutingCandidate', { description: "One agent in a routing preview, with routing's verdict." })
export class RoutingCandidateType {
  @Field(() => AgentType, { description: 'The agent.' })
  agent!: AgentType;

  @Field(() => Int, { nullable: true, description: '1 for the chosen agent; null when not eligible.' })
  rank!: number | null;

  @Field(() => Int, { description: 'Capacity − load (negative when over capacity).' })
  spareCapacity!: number;

  @Field(() => RoutingReason, { description: 'Why it was or was not chosen.' })
  reason!: RoutingReason;

  @Field(() => [String], {
    description:
      "For MISSING_SKILL: the ticket's required skills the agent lacks; for MISSING_OPTIONAL_SKILL and OPTIONAL_SKILLS_LAPSED: its optional ones.",
  })
  missingSkills!: string[];

  @Field({ description: 'The reason in words.' })
  explanation!: string;

  static from(candidate: Candidate, agent: AgentType): RoutingCandidateType {
    const reason = candidate.reason;
    let code = RoutingReason.CHOSEN;
    let explanation = 'Chosen: eligible, and first by spare capacity, then least recently assigned, then id.';
    let missingSkills: string[] = [];
    if (reason?.code === 'RANKED_LOWER') {
      code = RoutingReason.RANKED_LOWER;
      explanation = `Eligible, ranked ${candidate.rank}: less spare capacity, or a more recent assignment, than a better-ranked agent.`;
    } else if (reason?.code === 'NOT_ONLINE') {
      code = RoutingReason.NOT_ONLINE;
      explanation = `The agent is ${reason.status}; only ONLINE agents are offered tickets.`;
    } else if (reason?.code === 'AT_CAPACITY') {
      code = RoutingReason.AT_CAPACITY;
      explanation = `Load ${reason.load} of capacity ${reason.capacity}.`;
    } else if (reason?.code === 'MISSING_SKILL') {
      code = RoutingReason.MISSING_SKILL;
      missingSkills = [...reason.skills];
      explanation = `Missing skill${plural(reason.skills)} ${reason.skills.join(', ')}.`;
    } else if (reason?.code === 'MISSING_OPTIONAL_SKILL') {
      code = RoutingReason.MISSING_OPTIONAL_SKILL;
      missingSkills = [...reason.skills];
      explanation = `Missing optional skill${plural(reason.skills)} ${reason.skills.join(', ')}, ${
        reason.lapsesAt === null
          ? 'which never lapse (skillsTimeoutSeconds is null).'
          : `which count until ${reason.lapsesAt.toISOString()} (skillsTimeoutSeconds after the ticket started waiting).`
      }`;
    } else if (reason?.code === 'OPTIONAL_SKILLS_LAPSED') {
      code = RoutingReason.OPTIONAL_SKILLS_LAPSED;
      missingSkills = [...reason.skills];
      explanation = `${
        candidate.rank === 1 ? 'Chosen' : `Eligible, ranked ${candidate.rank}`
      }: it lacks optional skill${plural(reason.skills)} ${reason.skills.join(', ')}, which lapsed at ${reason.lapsedAt.toISOString()} (the ticket has waited skillsTimeoutSeconds).`;
    } else if (reason?.code === 'DECLINED_BEFORE') {
      code = RoutingReason.DECLINED_BEFORE;
      explanation = 'The agent declined or missed an offer of this ticket before.';
    } else if (reason?.code === 'TRANSFERRED_AWAY') {
      code = RoutingReason.TRANSFERRED_AWAY;
      explanation = 'The agent transferred this ticket away; routing does not offer it back.';
    }
    return Object.assign(new RoutingCandidateType(), {
      agent,
      rank: candidate.rank,
      spareCapacity: candidate.spareCapacity,
      reason: code,
      missingSkills,
      explanation,
    });
  }
}

@ObjectType('RoutingPreview', {
  description: 'What routing would decide for a ticket if it ran now, with the reason for every agent.',
})
export class RoutingPreviewType {
  @Field(() => TicketType, { description: 'The ticket previewed.' })
  ticket!: TicketType;

  @Field(() => AgentType, { nullable: true, description: 'Null when no agent is eligible.' })
  chosen!: AgentType | null;

  @Field(() => [RoutingCandidateType], { description: 'Eligible agents by rank, then the others.' })
  candidates!: RoutingCandidateType[];
}
