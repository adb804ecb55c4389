import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { TicketType } from '../types/ticket.type';

/** docs/domain.md "Read state": agents' read marks on tickets, and what is unread after them. */
@Resolver(() => TicketType)
export class ReadStateResolver {
  @Authorized('AGENT')
  @Mutation(() => TicketType, {
    description:
      "Marks the ticket's messages up to `upToSequence` as read by the calling agent (call it when a thread is shown). A mark never moves back: a lower one changes nothing. Agents only: admins and integrations keep no read state (FORBIDDEN). Announces nothing.",
  })
  async markRead(
    @Arg('ticketId', () => ID, { description: "The ticket's id." }) ticketId: string,
    @Arg('upToSequence', () => Int, {
      description: "The newest message read: 0 up to the ticket's last message's sequence.",
    })
    upToSequence: number,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<TicketType> {
    return TicketType.from(await services.readState.markRead(principal, ticketId, upToSequence));
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description:
      'For the calling agent: the messages after its last markRead that it did not write itself (every message of the ticket but its own while it has never marked it). Null for admins and integrations, which keep no read state.',
  })
  async unreadCount(
    @Root() ticket: TicketType,
    @Ctx() { principal, loaders }: GraphQLContext,
  ): Promise<number | null> {
    if (principal.role !== 'AGENT') return null;
    return (await loaders.readState.load({ principal, ticketId: ticket.id }))?.unreadCount ?? null;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description:
      'For the calling agent: the sequence its last markRead reached (0 while it has never marked the ticket). Null for admins and integrations, which keep no read state.',
  })
  async lastReadSequence(
    @Root() ticket: TicketType,
    @Ctx() { principal, loaders }: GraphQLContext,
  ): Promise<number | null> {
    if (principal.role !== 'AGENT') return null;
    return (await loaders.readState.load({ principal, ticketId: ticket.id }))?.lastReadSequence ?? null;
  }
}
