import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { seesSla } from '../../domain/auth/visibility';
import type { GraphQLContext } from '../context';
import { CreateSlaPolicyInput, SlaPolicyType, TicketSlaType, UpdateSlaPolicyInput } from '../types/sla.type';
import { TicketType } from '../types/ticket.type';

@Resolver(() => SlaPolicyType)
export class SlaPolicyResolver {
  @Authorized('ADMIN', 'AGENT')
  @Query(() => [SlaPolicyType], {
    description: 'Every SLA policy, in the order they are tried. Admins and agents.',
  })
  async slaPolicies(@Ctx() { services }: GraphQLContext): Promise<SlaPolicyType[]> {
    return (await services.sla.list()).map(SlaPolicyType.from);
  }

  @Authorized('ADMIN')
  @Mutation(() => SlaPolicyType, {
    description: 'Adds an SLA policy; tickets created (or updated) from now on may follow it. Admins only.',
  })
  async createSlaPolicy(
    @Arg('input', () => CreateSlaPolicyInput, { description: 'The new policy.' }) input: CreateSlaPolicyInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<SlaPolicyType> {
    return SlaPolicyType.from(await services.sla.create(input));
  }

  @Authorized('ADMIN')
  @Mutation(() => SlaPolicyType, {
    description:
      "Changes an SLA policy. Its tickets' due times follow on their next change (a message, a status change). Admins only.",
  })
  async updateSlaPolicy(
    @Arg('id', () => ID, { description: "The policy's id." }) id: string,
    @Arg('input', () => UpdateSlaPolicyInput, { description: 'What changes.' }) input: UpdateSlaPolicyInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<SlaPolicyType> {
    return SlaPolicyType.from(await services.sla.update(id, input));
  }

  @Authorized('ADMIN')
  @Mutation(() => ID, {
    description:
      'Removes an SLA policy and answers its id. Its tickets follow no policy from now on (their sla is null); their SLA_BREACHED changes stay in the log. Admins only.',
  })
  async deleteSlaPolicy(
    @Arg('id', () => ID, { description: "The policy's id." }) id: string,
    @Ctx() { services }: GraphQLContext,
  ): Promise<string> {
    return services.sla.delete(id);
  }
}

@Resolver(() => TicketType)
export class TicketSlaResolver {
  @FieldResolver(() => TicketSlaType, {
    nullable: true,
    description:
      'The SLA the ticket follows: due times and missed targets. Null when no policy takes it, and for integrations (SLAs are the support team’s own).',
  })
  async sla(
    @Root() ticket: TicketType,
    @Ctx() { principal, loaders }: GraphQLContext,
  ): Promise<TicketSlaType | null> {
    const policyId = ticket.entity.slaPolicy?.id;
    if (!policyId || !seesSla(principal)) return null;
    // Deleted since the ticket was read: no policy.
    const policy = await loaders.slaPolicy.load(policyId);
    return policy ? TicketSlaType.from(ticket.entity, policy) : null;
  }
}
