import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { RoutingSettingsInput, RoutingSettingsType } from '../types/routing-settings.type';

@Resolver(() => RoutingSettingsType)
export class RoutingSettingsResolver {
  @Authorized('ADMIN', 'AGENT')
  @Query(() => RoutingSettingsType)
  async routingSettings(@Ctx() { services }: GraphQLContext): Promise<RoutingSettingsType> {
    return RoutingSettingsType.from(await services.routingSettings.get());
  }

  @Authorized('ADMIN')
  @Mutation(() => RoutingSettingsType)
  async updateRoutingSettings(
    @Arg('input', () => RoutingSettingsInput) input: RoutingSettingsInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<RoutingSettingsType> {
    return RoutingSettingsType.from(await services.routingSettings.update(input));
  }
}
