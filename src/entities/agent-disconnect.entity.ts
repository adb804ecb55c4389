import { Entity, ManyToOne, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { AgentEntity } from './agent.entity';

/**
 * When an agent's last open WebSocket, on any process, went away (docs/domain.md "Presence"); no
 * row: it never had one. Written under the agent's row lock when its connections reach none.
 */
@Entity({ tableName: 'agent_disconnects' })
export class AgentDisconnectEntity {
  [PrimaryKeyProp]?: 'agent';

  @ManyToOne(() => AgentEntity, { primary: true, ref: true, deleteRule: 'cascade' })
  agent!: Ref<AgentEntity>;

  @Property({ type: 'timestamptz' })
  disconnectedAt!: Date;
}
