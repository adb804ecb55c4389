import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { EndUserEntity } from '../../entities/end-user.entity';
import type { TicketEntity } from '../../entities/ticket.entity';
import { TicketPriority, TicketStatus } from '../enums';
import { PageInfo } from './connection.type';
import { Node, NODE_ID_DESCRIPTION } from './node.type';

@ObjectType('EndUser', { description: 'A customer, as one channel knows them.', implements: Node })
export class EndUserType {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  id!: string;

  @Field({ description: "The channel's own id for this person." })
  externalId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The name the channel gave, updated by each message that carries one.',
  })
  displayName!: string | null;

  channelId!: string;

  static from(entity: EndUserEntity): EndUserType {
    return Object.assign(new EndUserType(), {
      id: entity.id,
      externalId: entity.externalId,
      displayName: entity.displayName,
      channelId: entity.channel.id,
    });
  }
}

@ObjectType('TicketMetrics', { description: "Per-ticket figures (seconds), from the ticket's event log." })
export class TicketMetricsType {
  @Field(() => Int, { nullable: true, description: 'First end-user message → first agent message.' })
  firstReplySeconds!: number | null;

  @Field(() => Int, { nullable: true, description: 'Created → last solve.' })
  fullResolutionSeconds!: number | null;

  @Field(() => Int, { description: 'Time spent OPEN, the current interval included.' })
  handleSeconds!: number;

  @Field(() => Int, { description: 'How often the ticket was reopened after a solve.' })
  reopenCount!: number;

  @Field(() => Int, { description: 'How often the ticket was given to an agent (offers not counted).' })
  assignmentCount!: number;
}

@ObjectType('Ticket', {
  description: 'One conversation with one end user on one channel.',
  implements: Node,
})
export class TicketType {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  id!: string;

  @Field(() => TicketStatus, { description: 'Where the ticket is in its life.' })
  status!: TicketStatus;

  @Field(() => TicketPriority, { description: 'Its place in the queue.' })
  priority!: TicketPriority;

  @Field(() => [String], {
    description:
      "The channel's skills and the ones the integration asked for, or as updateTicket set them: an agent must have every one to be offered the ticket.",
  })
  requiredSkills!: string[];

  @Field(() => [String], {
    description:
      "The channel's optional skills (less the required ones), or as updateTicket set them: an agent must have them too until the ticket has waited the routing settings' skillsTimeoutSeconds; then they no longer count.",
  })
  optionalSkills!: string[];

  @Field({ description: "When the end user's first message arrived." })
  createdAt!: Date;

  @Field({ description: 'When the ticket last changed.' })
  updatedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was last solved; null while not solved.' })
  solvedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a SOLVED ticket will close.' })
  closesAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it closed; null until CLOSED.' })
  closedAt!: Date | null;

  @Field(() => Int, { description: 'How often it was reopened after a solve.' })
  reopenCount!: number;

  @Field(() => Date, { nullable: true, description: 'Until when the current offer stands.' })
  offerExpiresAt!: Date | null;

  // Resolved by TicketResolver through per-request loaders.
  channelId!: string;
  styleId!: string;
  requesterId!: string;
  assigneeId!: string | null;
  offeredToId!: string | null;
  followUpOfId!: string | null;
  entity!: TicketEntity;

  static from(entity: TicketEntity): TicketType {
    return Object.assign(new TicketType(), {
      id: entity.id,
      status: entity.status,
      priority: entity.priority,
      requiredSkills: entity.requiredSkills,
      optionalSkills: entity.optionalSkills,
      createdAt: entity.createdAt,
      updatedAt: entity.updatedAt,
      solvedAt: entity.solvedAt,
      closesAt: entity.closesAt,
      closedAt: entity.closedAt,
      reopenCount: entity.reopenCount,
      channelId: entity.channel.id,
      styleId: entity.style.id,
      requesterId: entity.requester.id,
      assigneeId: entity.assignee?.id ?? null,
      offeredToId: entity.offeredTo?.id ?? null,
      offerExpiresAt: entity.offerExpiresAt,
      followUpOfId: entity.followUpOf?.id ?? null,
      entity,
    });
  }
}

@ObjectType('TicketEdge', { description: 'One ticket in a page.' })
export class TicketEdge {
  @Field({ description: 'Pass as `after` to read on from this ticket.' })
  cursor!: string;

  @Field(() => TicketType, { description: 'The ticket.' })
  node!: TicketType;
}

@ObjectType('TicketConnection', { description: 'A page of tickets (Relay cursor connection).' })
export class TicketConnection {
  @Field(() => [TicketEdge], { description: 'The tickets of this page, in list order.' })
  edges!: TicketEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits in the list.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'All tickets matching the filter, across pages.' })
  totalCount!: number;
}

@InputType('TicketFilter', { description: 'All given conditions must hold.' })
export class TicketFilterInput {
  @Field(() => [TicketStatus], { nullable: true, description: 'Any of these statuses.' })
  statuses?: TicketStatus[] | null;

  @Field(() => ID, { nullable: true, description: "Tickets assigned to this agent (an agent's inbox)." })
  assigneeId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'Tickets offered to this agent while the offer stands (a console that reconnects finds its pending offer); in streams, changes with an offer to it before or after.',
  })
  offeredToId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "Tickets of this channel (an integration's own channel only).",
  })
  channelId?: string | null;

  @Field(() => ID, { nullable: true, description: "This end user's tickets." })
  requesterId?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Tickets with a message containing every word, each as a word or the start of one (`refund` finds "refunds", `환불` finds "환불을"); case does not matter for ASCII letters. Up to 200 characters; blank is BAD_USER_INPUT, and text without a word matches nothing. Integrations never match through internal notes. The tickets query only: streams refuse it (BAD_USER_INPUT).',
  })
  text?: string | null;
}
