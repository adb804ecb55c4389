import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import { unauthenticated } from '../../domain/errors';
import type { TypingSignal } from '../../domain/typing/typing-lapse';
import type { GraphQLContext } from '../context';
import { loadRequired } from '../loaders';
import { AgentType } from '../types/agent.type';
import { TicketType } from '../types/ticket.type';
import { TypingEventType } from '../types/typing.type';

const TICKET_ID_DESCRIPTION = "The ticket's id.";

/** Typing indicators (docs/domain.md "Typing"): said by one side, streamed to whoever reads the ticket. */
@Resolver(() => TypingEventType)
export class TypingResolver {
  // Any signed-in caller: who may type is the domain's rule, which answers NOT_FOUND before FORBIDDEN.
  @Authorized()
  @Mutation(() => Boolean, {
    description:
      "The ticket's assignee (an agent) or its channel's integration (for the end user) starts or stops typing. " +
      'Send true when typing starts and every ~3 s while it goes on (a true not renewed within 6 s lapses), ' +
      'and false on sending or clearing the draft. Not stored; always true when accepted. ' +
      'Others: FORBIDDEN (admins too); a CLOSED ticket: ILLEGAL_TRANSITION.',
  })
  async setTyping(
    @Arg('ticketId', () => ID, { description: TICKET_ID_DESCRIPTION }) ticketId: string,
    @Arg('typing', { description: 'Typing now or still (true), or stopped (false).' }) typing: boolean,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<boolean> {
    await services.typing.set(principal, ticketId, typing);
    return true;
  }

  @Subscription(() => TypingEventType, {
    description:
      "Who starts and stops typing on one ticket, from the moment of subscribing: its assignee and its end user (the caller's own included). " +
      'Nothing is replayed. For whoever may read the ticket.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { ticketId: string }, GraphQLContext>) => {
      if (context.principal.role === 'ANONYMOUS') throw unauthenticated('Sign in first');
      // Visibility as for `ticket(id)`: an unknown or unseeable ticket is NOT_FOUND.
      return context.services.typing.subscribe(context.principal, args.ticketId);
    },
  })
  typing(
    @Root() signal: TypingSignal,
    @Arg('ticketId', () => ID, { description: TICKET_ID_DESCRIPTION }) _ticketId: string,
  ): TypingEventType {
    return TypingEventType.from(signal);
  }

  @FieldResolver(() => TicketType, { description: 'The ticket being written on.' })
  async ticket(@Root() event: TypingEventType, @Ctx() { loaders }: GraphQLContext): Promise<TicketType> {
    return TicketType.from(await loadRequired(loaders.ticket, event.ticketId, 'Ticket'));
  }

  @FieldResolver(() => AgentType, { nullable: true, description: 'The typing agent; null for the end user.' })
  async agent(@Root() event: TypingEventType, @Ctx() { loaders }: GraphQLContext): Promise<AgentType | null> {
    return event.agentId ? AgentType.from(await loadRequired(loaders.agent, event.agentId, 'Agent')) : null;
  }
}
