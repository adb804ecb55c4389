import { Arg, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { unauthenticated } from '../../domain/errors';
import type { TicketStatus } from '../../domain/ticket/ticket.enums';
import type { TicketChangeEvent, TicketChangeHeader } from '../../events/ticket-event.bus';
import type { GraphQLContext } from '../context';
import { MessageType, TicketChangeType } from '../types/message.type';
import { TicketFilterInput, TicketType } from '../types/ticket.type';

interface FilterArgs {
  statuses?: TicketStatus[] | null;
  assigneeId?: string | null;
  channelId?: string | null;
  requesterId?: string | null;
}

type Data<TArgs> = SubscribeResolverData<unknown, TArgs, GraphQLContext>;

/** Subscriptions see what the same caller could read: an integration only its channel's tickets. */
function matches(event: TicketChangeHeader, filter: FilterArgs, ownChannelId: string | null): boolean {
  if (ownChannelId !== null && event.channelId !== ownChannelId) return false;
  if (filter.statuses && !filter.statuses.includes(event.status)) return false;
  if (filter.assigneeId && event.assigneeId !== filter.assigneeId.toLowerCase()) return false;
  if (filter.channelId && event.channelId !== filter.channelId.toLowerCase()) return false;
  if (filter.requesterId && event.requesterId !== filter.requesterId.toLowerCase()) return false;
  return true;
}

@Resolver()
export class TicketSubscriptionResolver {
  @Subscription(() => MessageType, {
    description: 'Every message of one ticket, in sequence order, from the moment of subscribing.',
    subscribe: async ({ args, context }: Data<{ ticketId: string }>) => {
      if (context.principal.role === 'ANONYMOUS') throw unauthenticated('Sign in first');
      // Visibility as for `ticket(id)`: an unknown or unseeable ticket is NOT_FOUND.
      const ticket = await context.services.tickets.get(context.principal, args.ticketId);
      return context.services.events.messages(ticket.id);
    },
  })
  messageAdded(@Root() event: TicketChangeEvent, @Arg('ticketId', () => ID) _ticketId: string): MessageType {
    return MessageType.from(event.message!);
  }

  @Subscription(() => TicketChangeType, {
    description: 'Committed ticket changes whose ticket, right after the change, matches the filter.',
    subscribe: ({ args, context }: Data<{ filter?: FilterArgs | null }>) => {
      const { principal, services } = context;
      if (principal.role === 'ANONYMOUS') throw unauthenticated('Sign in first');
      const ownChannelId = principal.role === 'INTEGRATION' ? principal.channelId : null;
      const filter = args.filter ?? {};
      return services.events.changes((event) => matches(event, filter, ownChannelId));
    },
  })
  ticketChanged(
    @Root() event: TicketChangeEvent,
    @Arg('filter', () => TicketFilterInput, { nullable: true }) _filter: TicketFilterInput | null,
  ): TicketChangeType {
    return {
      kind: event.kind,
      at: event.at,
      ticket: TicketType.from(event.ticket),
      message: event.message ? MessageType.from(event.message) : null,
    };
  }
}
