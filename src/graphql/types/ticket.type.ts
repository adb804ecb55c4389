import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { EndUserEntity } from '../../entities/end-user.entity';
import type { TicketEntity } from '../../entities/ticket.entity';
import { TicketPriority, TicketStatus } from '../enums';
import { PageInfo } from './connection.type';
import { Node } from './node.type';

@ObjectType('EndUser', { description: 'A customer, as one channel knows them.', implements: Node })
export class EndUserType {
  @Field(() => ID)
  id!: string;

  @Field({ description: "The channel's own id for this person." })
  externalId!: string;

  @Field(() => String, { nullable: true })
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

  @Field(() => Int)
  reopenCount!: number;

  @Field(() => Int)
  assignmentCount!: number;
}

@ObjectType('Ticket', {
  description: 'One conversation with one end user on one channel.',
  implements: Node,
})
export class TicketType {
  @Field(() => ID)
  id!: string;

  @Field(() => TicketStatus)
  status!: TicketStatus;

  @Field(() => TicketPriority)
  priority!: TicketPriority;

  @Field(() => [String], { description: "The channel's skills and the ones the integration asked for." })
  requiredSkills!: string[];

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  @Field(() => Date, { nullable: true })
  solvedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a SOLVED ticket will close.' })
  closesAt!: Date | null;

  @Field(() => Date, { nullable: true })
  closedAt!: Date | null;

  @Field(() => Int)
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

@ObjectType('TicketEdge')
export class TicketEdge {
  @Field()
  cursor!: string;

  @Field(() => TicketType)
  node!: TicketType;
}

@ObjectType('TicketConnection')
export class TicketConnection {
  @Field(() => [TicketEdge])
  edges!: TicketEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'All tickets matching the filter, across pages.' })
  totalCount!: number;
}

@InputType('TicketFilter', { description: 'All given conditions must hold.' })
export class TicketFilterInput {
  @Field(() => [TicketStatus], { nullable: true })
  statuses?: TicketStatus[] | null;

  @Field(() => ID, { nullable: true })
  assigneeId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'Tickets offered to this agent while the offer stands (a console that reconnects finds its pending offer); in streams, changes with an offer to it before or after.',
  })
  offeredToId?: string | null;

  @Field(() => ID, { nullable: true })
  channelId?: string | null;

  @Field(() => ID, { nullable: true })
  requesterId?: string | null;
}
