import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { RoutingSettingsInput, RoutingSettingsType } from '../types/routing-settings.type';

@Resolver(() => RoutingSettingsType)
export class RoutingSettingsResolver {
  @Authorized('ADMIN', 'AGENT')
  @Query(() => RoutingSettingsType, { description: 'How routing offers tickets. Admins and agents.' })
  async routingSettings(@Ctx() { services }: GraphQLContext): Promise<RoutingSettingsType> {
    return RoutingSettingsType.from(await services.routingSettings.get());
  }

  @Authorized('ADMIN')
  @Mutation(() => RoutingSettingsType, { description: 'Changes how routing offers tickets. Admins only.' })
  async updateRoutingSettings(
    @Arg('input', () => RoutingSettingsInput, { description: 'What changes.' }) input: RoutingSettingsInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<RoutingSettingsType> {
    return RoutingSettingsType.from(await services.routingSettings.update(input));
  }
}
