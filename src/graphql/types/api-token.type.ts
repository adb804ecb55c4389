import { Field, ID, ObjectType } from 'type-graphql';
import type { ApiTokenEntity } from '../../entities/api-token.entity';
import { ApiTokenKind } from '../enums';
import { AgentType } from './agent.type';
import { ChannelType } from './channel.type';

@ObjectType('ApiToken', {
  description: 'A bearer token an agent or integration signs in with; its secret is never shown again.',
})
export class ApiTokenType {
  @Field(() => ID, { description: 'What revokeToken takes.' })
  id!: string;

  @Field(() => ApiTokenKind, { description: 'Whom the token signs in.' })
  kind!: ApiTokenKind;

  @Field(() => Date, { description: 'When the token was issued.' })
  createdAt!: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'Set once revoked: from then on the token signs in nobody.',
  })
  revokedAt!: Date | null;

  static from(entity: ApiTokenEntity): ApiTokenType {
    return Object.assign(new ApiTokenType(), {
      id: entity.id,
      kind: entity.kind,
      createdAt: entity.createdAt,
      revokedAt: entity.revokedAt,
    });
  }
}

@ObjectType('RotateAgentTokenPayload', {
  description: "An agent's new bearer token, and the earlier tokens it revoked.",
})
export class RotateAgentTokenPayload {
  @Field(() => AgentType, { description: 'The agent the token signs in.' })
  agent!: AgentType;

  @Field({ description: "The agent's new bearer token. Shown only here, once: store it now." })
  token!: string;

  @Field(() => ApiTokenType, { description: 'The new token’s record.' })
  apiToken!: ApiTokenType;

  @Field(() => [ApiTokenType], { description: 'The tokens this rotation revoked.' })
  revokedTokens!: ApiTokenType[];
}

@ObjectType('RotateChannelTokenPayload', {
  description: "A channel integration's new bearer token, and the earlier tokens it revoked.",
})
export class RotateChannelTokenPayload {
  @Field(() => ChannelType, { description: 'The channel whose integration the token signs in.' })
  channel!: ChannelType;

  @Field({ description: "The integration's new bearer token. Shown only here, once: store it now." })
  token!: string;

  @Field(() => ApiTokenType, { description: 'The new token’s record.' })
  apiToken!: ApiTokenType;

  @Field(() => [ApiTokenType], { description: 'The tokens this rotation revoked.' })
  revokedTokens!: ApiTokenType[];
}
