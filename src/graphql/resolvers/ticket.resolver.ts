import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { TicketStatus } from '../enums';
import { loadRequired } from '../loaders';
import { AgentType } from '../types/agent.type';
import { ChannelType } from '../types/channel.type';
import { PageInfo } from '../types/connection.type';
import { ConversationStyleType } from '../types/conversation-style.type';
import { MessageConnection, MessageType } from '../types/message.type';
import {
  EndUserType,
  TicketConnection,
  TicketFilterInput,
  TicketMetricsType,
  TicketType,
} from '../types/ticket.type';
import { TransferTicketInput } from '../types/transfer.type';
import { UpdateTicketInput } from '../types/ticket-update.type';

@Resolver(() => TicketType)
export class TicketResolver {
  @Authorized()
  @Query(() => TicketType, { nullable: true, description: "An integration sees only its channel's tickets." })
  async ticket(
    @Arg('id', () => ID, { description: "The ticket's id." }) id: string,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<TicketType> {
    return TicketType.from(await services.tickets.get(principal, id));
  }

  @Authorized()
  @Query(() => TicketConnection, {
    description: "Newest first. An integration sees only its channel's tickets.",
  })
  async tickets(
    @Arg('filter', () => TicketFilterInput, {
      nullable: true,
      description: 'Only tickets matching every given field; none: all the caller may see.',
    })
    filter: TicketFilterInput | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'At most 100.' }) first: number,
    @Arg('after', () => String, {
      nullable: true,
      description: "A previous page's `pageInfo.endCursor`: the tickets after it.",
    })
    after: string | null,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<TicketConnection> {
    const page = await services.tickets.list(principal, filter ?? {}, first, after);
    return {
      edges: page.items.map((ticket, i) => ({ cursor: page.cursors[i]!, node: TicketType.from(ticket) })),
      pageInfo: PageInfo.of(page.cursors, page),
      totalCount: page.totalCount,
    };
  }

  @Authorized('AGENT', 'ADMIN')
  @Mutation(() => TicketType, {
    description: 'By the assignee or an admin, per the status table; CLOSED only by the system.',
  })
  async updateTicketStatus(
    @Arg('ticketId', () => ID, { description: "The ticket's id." }) ticketId: string,
    @Arg('status', () => TicketStatus, { description: 'The status to move to.' }) status: TicketStatus,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<TicketType> {
    return TicketType.from(await services.tickets.updateStatus(principal, ticketId, status));
  }

  @Authorized('ADMIN')
  @Mutation(() => TicketType, {
    description:
      'To a named agent (a NEW ticket becomes OPEN), or with agentId null back to NEW, waiting for routing.',
  })
  async reassignTicket(
    @Arg('ticketId', () => ID, { description: "The ticket's id." }) ticketId: string,
    @Arg('agentId', () => ID, { nullable: true, description: 'The new assignee; null: back to the queue.' })
    agentId: string | null,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<TicketType> {
    return TicketType.from(await services.tickets.reassign(principal, ticketId, agentId ?? null));
  }

  @Authorized('AGENT', 'ADMIN')
  @Mutation(() => TicketType, {
    description:
      'By the assignee or an admin: one TRANSFERRED change to another agent (an offer, or an assignment with auto-accept) or back to the queue, with an optional internal note. Routing never offers the ticket back to the agent who had it.',
  })
  async transferTicket(
    @Arg('input', () => TransferTicketInput, { description: 'The ticket, where it goes, and the note.' })
    input: TransferTicketInput,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<TicketType> {
    return TicketType.from(await services.transfers.transfer(principal, input));
  }

  @Authorized('AGENT', 'ADMIN')
  @Mutation(() => TicketType, {
    description:
      'By the assignee or an admin: the priority, required and optional skills, in one TICKET_UPDATED change (none when nothing differs). A waiting ticket is routed again at once; a standing offer is left to run its course. CLOSED tickets are not updated.',
  })
  async updateTicket(
    @Arg('ticketId', () => ID, { description: "The ticket's id." }) ticketId: string,
    @Arg('input', () => UpdateTicketInput, { description: 'What changes; omitted fields keep their value.' })
    input: UpdateTicketInput,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<TicketType> {
    return TicketType.from(await services.ticketUpdates.update(principal, ticketId, input));
  }

  @FieldResolver(() => ChannelType, { description: 'The channel the end user wrote in on.' })
  async channel(@Root() ticket: TicketType, @Ctx() { loaders }: GraphQLContext): Promise<ChannelType> {
    return ChannelType.from(await loadRequired(loaders.channel, ticket.channelId, 'Channel'));
  }

  @FieldResolver(() => ConversationStyleType, {
    description: "The conversation style the ticket follows (its channel's style when it was created).",
  })
  async style(
    @Root() ticket: TicketType,
    @Ctx() { loaders }: GraphQLContext,
  ): Promise<ConversationStyleType> {
    return ConversationStyleType.from(
      await loadRequired(loaders.conversationStyle, ticket.styleId, 'ConversationStyle'),
    );
  }

  @FieldResolver(() => EndUserType, { description: 'The end user who wrote in.' })
  async requester(@Root() ticket: TicketType, @Ctx() { loaders }: GraphQLContext): Promise<EndUserType> {
    return EndUserType.from(await loadRequired(loaders.endUser, ticket.requesterId, 'EndUser'));
  }

  @FieldResolver(() => AgentType, {
    nullable: true,
    description: 'The agent the ticket is with; null while NEW. A CLOSED ticket keeps its last assignee.',
  })
  async assignee(@Root() ticket: TicketType, @Ctx() { loaders }: GraphQLContext): Promise<AgentType | null> {
    return ticket.assigneeId
      ? AgentType.from(await loadRequired(loaders.agent, ticket.assigneeId, 'Agent'))
      : null;
  }

  @FieldResolver(() => AgentType, {
    nullable: true,
    description: 'The agent the ticket is offered to, while the offer stands.',
  })
  async offeredTo(@Root() ticket: TicketType, @Ctx() { loaders }: GraphQLContext): Promise<AgentType | null> {
    return ticket.offeredToId
      ? AgentType.from(await loadRequired(loaders.agent, ticket.offeredToId, 'Agent'))
      : null;
  }

  @FieldResolver(() => TicketType, {
    nullable: true,
    description: "The end user's previous, closed ticket on this channel.",
  })
  async followUpOf(
    @Root() ticket: TicketType,
    @Ctx() { loaders }: GraphQLContext,
  ): Promise<TicketType | null> {
    return ticket.followUpOfId
      ? TicketType.from(await loadRequired(loaders.ticket, ticket.followUpOfId, 'Ticket'))
      : null;
  }

  @FieldResolver(() => TicketMetricsType, {
    description: 'Reply and resolution times, assignments, reopens.',
  })
  metrics(@Root() ticket: TicketType, @Ctx() { services }: GraphQLContext): TicketMetricsType {
    return services.tickets.metrics(ticket.entity);
  }

  @FieldResolver(() => MessageConnection, {
    description:
      'The thread in sequence order (oldest first on every page). `first`/`after` pages forward from the oldest; `last`/`before` back from the newest: `last: 20` opens at the 20 newest, then `before: pageInfo.startCursor` for older ones. Cursors of either direction serve both. `first` and `last` together are BAD_USER_INPUT; neither: the first 50.',
  })
  async messages(
    @Root() ticket: TicketType,
    @Arg('first', () => Int, {
      nullable: true,
      description: 'The oldest messages of the window (after `after`, before `before`), 0 to 100.',
    })
    first: number | null,
    @Arg('after', () => String, {
      nullable: true,
      description: 'A message edge cursor: only messages after it (newer).',
    })
    after: string | null,
    @Arg('last', () => Int, {
      nullable: true,
      description: 'The newest messages of the window (after `after`, before `before`), 0 to 100.',
    })
    last: number | null,
    @Arg('before', () => String, {
      nullable: true,
      description: 'A message edge cursor: only messages before it (older).',
    })
    before: string | null,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<MessageConnection> {
    const page = await services.messages.listForTicket(principal, ticket.id, { first, after, last, before });
    return {
      edges: page.items.map((message, i) => ({ cursor: page.cursors[i]!, node: MessageType.from(message) })),
      pageInfo: PageInfo.of(page.cursors, page),
    };
  }
}

@Resolver(() => EndUserType)
export class EndUserResolver {
  @FieldResolver(() => ChannelType, { description: 'The channel the end user writes in on.' })
  async channel(@Root() endUser: EndUserType, @Ctx() { loaders }: GraphQLContext): Promise<ChannelType> {
    return ChannelType.from(await loadRequired(loaders.channel, endUser.channelId, 'Channel'));
  }
}
