import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import { unauthenticated } from '../../domain/errors';
import type { TicketChangeEvent } from '../../events/ticket-event.bus';
import type { GraphQLContext } from '../context';
import { loadRequired } from '../loaders';
import { AgentType } from '../types/agent.type';
import { PageInfo } from '../types/connection.type';
import { MessageType } from '../types/message.type';
import { AFTER_DESCRIPTION, TicketChangeConnection, TicketChangeType } from '../types/ticket-change.type';
import { TicketFilterInput } from '../types/ticket.type';

const FILTER_DESCRIPTION =
  'Only changes whose ticket matched every given field right before or right after the change; none: every change the caller may see.';

type Data<TArgs> = SubscribeResolverData<unknown, TArgs, GraphQLContext>;

/** The one ordered stream of ticket changes: catch-up pages and live feeds (docs/domain.md "The event stream"). */
@Resolver(() => TicketChangeType)
export class TicketChangeResolver {
  @FieldResolver(() => AgentType, {
    nullable: true,
    description: "The ticket's assignee right before this change (an inbox sees a ticket reassigned away).",
  })
  async previousAssignee(
    @Root() change: TicketChangeType,
    @Ctx() { loaders }: GraphQLContext,
  ): Promise<AgentType | null> {
    return change.previousAssigneeId
      ? AgentType.from(await loadRequired(loaders.agent, change.previousAssigneeId, 'Agent'))
      : null;
  }

  @Authorized()
  @Query(() => TicketChangeConnection, {
    description:
      'Committed changes after a cursor (none: from the beginning), oldest first, as the caller may see them.',
  })
  async ticketChanges(
    @Arg('filter', () => TicketFilterInput, { nullable: true, description: FILTER_DESCRIPTION })
    filter: TicketFilterInput | null,
    @Arg('after', () => String, { nullable: true, description: 'A `TicketChange.cursor`.' })
    after: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100, description: 'At most 1,000.' })
    first: number | null,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<TicketChangeConnection> {
    const page = await services.ticketChanges.page(principal, filter, after ?? null, first ?? 100);
    const edges = page.events.map((event) => ({ cursor: event.cursor, node: TicketChangeType.from(event) }));
    return {
      edges,
      // endCursor is the last change read, which a gone ticket may have left out of the edges.
      pageInfo: Object.assign(new PageInfo(), {
        hasNextPage: page.hasNextPage,
        endCursor: page.endCursor,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: edges[0]?.cursor ?? null,
      }),
    };
  }

  @Subscription(() => MessageType, {
    description:
      'Every message of one ticket, in sequence order: from the moment of subscribing, or the messages after `afterSequence` first.',
    subscribe: async ({ args, context }: Data<{ ticketId: string; afterSequence?: number | null }>) => {
      if (context.principal.role === 'ANONYMOUS') throw unauthenticated('Sign in first');
      // Visibility as for `ticket(id)`: an unknown or unseeable ticket is NOT_FOUND.
      const ticket = await context.services.tickets.get(context.principal, args.ticketId);
      return context.services.ticketChanges.messages(
        context.principal,
        ticket.id,
        args.afterSequence ?? null,
      );
    },
  })
  messageAdded(
    @Root() event: TicketChangeEvent,
    @Arg('ticketId', () => ID, { description: "The ticket's id." }) _ticketId: string,
    @Arg('afterSequence', () => Int, {
      nullable: true,
      description: 'Replay the messages after this sequence first (on reconnecting: the last one received).',
    })
    _afterSequence?: number | null,
  ): MessageType {
    return MessageType.from(event.message!);
  }

  @Subscription(() => TicketChangeType, {
    description:
      'Committed ticket changes whose ticket matches the filter right before or right after the change, so a filtered view sees a ticket leave as well as arrive.',
    subscribe: ({ args, context }: Data<{ filter?: TicketFilterInput | null; after?: string | null }>) => {
      if (context.principal.role === 'ANONYMOUS') throw unauthenticated('Sign in first');
      return context.services.ticketChanges.ticketChanged(
        context.principal,
        args.filter ?? null,
        args.after ?? null,
      );
    },
  })
  ticketChanged(
    @Root() event: TicketChangeEvent,
    @Arg('filter', () => TicketFilterInput, { nullable: true, description: FILTER_DESCRIPTION })
    _filter: TicketFilterInput | null,
    @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION }) _after?: string | null,
  ): TicketChangeType {
    return TicketChangeType.from(event);
  }
}
