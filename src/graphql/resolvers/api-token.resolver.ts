import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { AgentType } from '../types/agent.type';
import { ApiTokenType, RotateAgentTokenPayload, RotateChannelTokenPayload } from '../types/api-token.type';
import { ChannelType } from '../types/channel.type';

const REVOKE_EXISTING =
  'Revoke the current tokens in the same step (the default). false keeps them valid, for a partner ' +
  'that switches over without downtime; revoke them with revokeToken once it has.';

@Resolver(() => ApiTokenType)
export class ApiTokenResolver {
  @Authorized('ADMIN')
  @Mutation(() => ApiTokenType, {
    description:
      'Revokes an agent or integration token: HTTP requests with it fail at once, and the sockets signed in with it are closed (4401).',
  })
  async revokeToken(
    @Arg('id', () => ID, { description: "The token's id (ApiToken.id, never the secret)." }) id: string,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ApiTokenType> {
    return ApiTokenType.from(await services.tokens.revoke(id));
  }

  @Authorized('ADMIN')
  @Mutation(() => RotateAgentTokenPayload, { description: 'Issues the agent a new token.' })
  async rotateAgentToken(
    @Arg('agentId', () => ID, { description: "The agent's id." }) agentId: string,
    @Arg('revokeExisting', () => Boolean, { defaultValue: true, description: REVOKE_EXISTING })
    revokeExisting: boolean,
    @Ctx() { services }: GraphQLContext,
  ): Promise<RotateAgentTokenPayload> {
    const rotated = await services.tokens.rotateAgentToken(agentId, revokeExisting);
    return {
      agent: AgentType.from(rotated.agent),
      token: rotated.token,
      apiToken: ApiTokenType.from(rotated.issued),
      revokedTokens: rotated.revoked.map(ApiTokenType.from),
    };
  }

  @Authorized('ADMIN')
  @Mutation(() => RotateChannelTokenPayload, { description: "Issues the channel's integration a new token." })
  async rotateChannelToken(
    @Arg('channelId', () => ID, { description: "The channel's id." }) channelId: string,
    @Arg('revokeExisting', () => Boolean, { defaultValue: true, description: REVOKE_EXISTING })
    revokeExisting: boolean,
    @Ctx() { services }: GraphQLContext,
  ): Promise<RotateChannelTokenPayload> {
    const rotated = await services.tokens.rotateChannelToken(channelId, revokeExisting);
    return {
      channel: ChannelType.from(rotated.channel),
      token: rotated.token,
      apiToken: ApiTokenType.from(rotated.issued),
      revokedTokens: rotated.revoked.map(ApiTokenType.from),
    };
  }
}
