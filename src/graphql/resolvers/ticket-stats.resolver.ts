import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { TicketStatsInput, TicketStatsRowType } from '../types/ticket-stats.type';

@Resolver()
export class TicketStatsResolver {
  @Authorized('ADMIN')
  @Query(() => [TicketStatsRowType], {
    description:
      'Figures of the tickets created in [from, to), per time bucket and/or group, every bucket × group included. Admins only.',
  })
  async ticketStats(
    @Arg('input', () => TicketStatsInput, { description: 'The range, the buckets and the grouping.' })
    input: TicketStatsInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<TicketStatsRowType[]> {
    const rows = await services.ticketStats.ticketStats(input);
    return rows.map((row) => TicketStatsRowType.from(row));
  }
}
