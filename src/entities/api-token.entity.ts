import { Check, Entity, Index, Enum, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { ApiTokenKind } from '../domain/auth/token-kind';
import { AgentEntity } from './agent.entity';
import { ChannelEntity } from './channel.entity';

export { ApiTokenKind };

/** A bearer token for an agent or a channel's integration; only its SHA-256 is stored. */
@Entity({ tableName: 'api_tokens' })
@Check({
  name: 'api_tokens_owner',
  expression:
    "(kind = 'AGENT' and agent_id is not null and channel_id is null) or (kind = 'INTEGRATION' and channel_id is not null and agent_id is null)",
})
export class ApiTokenEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => ApiTokenKind, nativeEnumName: 'api_token_kind' })
  kind!: ApiTokenKind;

  @Property({ type: 'text', unique: 'api_tokens_token_hash_unique' })
  tokenHash!: string;

  @Index({ name: 'api_tokens_agent_id_index' })
  @ManyToOne(() => AgentEntity, { ref: true, nullable: true, deleteRule: 'cascade' })
  agent: Ref<AgentEntity> | null = null;

  @Index({ name: 'api_tokens_channel_id_index' })
  @ManyToOne(() => ChannelEntity, { ref: true, nullable: true, deleteRule: 'cascade' })
  channel: Ref<ChannelEntity> | null = null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}
