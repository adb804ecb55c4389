import {
  Arg,
  Authorized,
  Ctx,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import { forbidden, unauthenticated } from '../../domain/errors';
import type { QueueStats } from '../../services/routing/routing.service';
import type { TicketChangeEvent } from '../../events/ticket-event.bus';
import type { GraphQLContext } from '../context';
import { AgentType } from '../types/agent.type';
import { AFTER_DESCRIPTION, TicketChangeType } from '../types/ticket-change.type';
import { QueueStatsType, RoutingCandidateType, RoutingPreviewType } from '../types/routing.type';
import { TicketType } from '../types/ticket.type';

@Resolver()
export class RoutingResolver {
  @Authorized('ADMIN', 'AGENT')
  @Query(() => QueueStatsType, {
    description:
      "The queue figures now: of every waiting ticket, or with channelId of that channel's (agents: those with the channel's required skills).",
  })
  async queue(
    @Arg('channelId', () => ID, {
      nullable: true,
      description: 'One channel’s queue; none: the whole queue.',
    })
    channelId: string | null | undefined,
    @Ctx() { services }: GraphQLContext,
  ): Promise<QueueStatsType> {
    return QueueStatsType.from(await services.routing.queueStats(channelId ?? null));
  }

  @Authorized('ADMIN')
  @Query(() => RoutingPreviewType, {
    description:
      'Explains routing for one ticket: every agent, ranked or with the reason it is not eligible.',
  })
  async routingPreview(
    @Arg('ticketId', () => ID, { description: "The ticket's id." }) ticketId: string,
    @Ctx() { services }: GraphQLContext,
  ): Promise<RoutingPreviewType> {
    const { ticket, pick, agents } = await services.routing.preview(ticketId);
    const byId = new Map(agents.map((a) => [a.id, AgentType.from(a)]));
    return {
      ticket: TicketType.from(ticket),
      chosen: pick.agentId ? byId.get(pick.agentId)! : null,
      candidates: pick.candidates.map((c) => RoutingCandidateType.from(c, byId.get(c.agentId)!)),
    };
  }

  @Authorized('AGENT')
  @Mutation(() => TicketType, {
    description: 'Takes a ticket offered to you, before the offer expires: OPEN, yours.',
  })
  async acceptTicket(
    @Arg('ticketId', () => ID, { description: 'The offered ticket.' }) ticketId: string,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<TicketType> {
    return TicketType.from(await services.offers.accept(principal, ticketId));
  }

  @Authorized('AGENT')
  @Mutation(() => TicketType, {
    description: 'Turns down a ticket offered to you; it is routed again without you.',
  })
  async declineTicket(
    @Arg('ticketId', () => ID, { description: 'The offered ticket.' }) ticketId: string,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<TicketType> {
    return TicketType.from(await services.offers.decline(principal, ticketId));
  }

  @Subscription(() => TicketChangeType, {
    description:
      'Offers, declined and expired offers, and assignments for one agent, including the change that takes a ticket or an offer away from it (an agent may subscribe only to itself).',
    subscribe: ({
      args,
      context,
    }: SubscribeResolverData<unknown, { agentId: string; after?: string | null }, GraphQLContext>) => {
      const { principal, services } = context;
      if (principal.role === 'ANONYMOUS') throw unauthenticated('Sign in first');
      if (principal.role === 'INTEGRATION') throw forbidden('Integrations cannot follow agents');
      if (principal.role === 'AGENT' && principal.agentId !== args.agentId.toLowerCase()) {
        throw forbidden('An agent may subscribe only to its own assignments');
      }
      return services.ticketChanges.assignments(principal, args.agentId, args.after ?? null);
    },
  })
  assignments(
    @Root() event: TicketChangeEvent,
    @Arg('agentId', () => ID, { description: "The agent's id." }) _agentId: string,
    @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION }) _after?: string | null,
  ): TicketChangeType {
    return TicketChangeType.from(event);
  }

  @Subscription(() => QueueStatsType, {
    description: 'The queue figures now, then whenever one changes (at most one frame per 100 ms).',
    subscribe: ({
      args,
      context,
    }: SubscribeResolverData<unknown, { channelId?: string | null }, GraphQLContext>) => {
      const { principal, services } = context;
      if (principal.role === 'ANONYMOUS') throw unauthenticated('Sign in first');
      if (principal.role === 'INTEGRATION') throw forbidden('Integrations cannot read the queue');
      return services.queueStats.subscribe(args.channelId ?? null);
    },
  })
  queueStats(
    @Root() stats: QueueStats,
    @Arg('channelId', () => ID, {
      nullable: true,
      description: 'One channel’s queue; none: the whole queue.',
    })
    _channelId?: string | null,
  ): QueueStatsType {
    return QueueStatsType.from(stats);
  }
}
