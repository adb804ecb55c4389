import { Check, Entity, Index, ManyToOne, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { AgentEntity } from './agent.entity';
import { PresenceProcessEntity } from './presence-process.entity';

/**
 * How many authenticated WebSockets an agent has open on one process (docs/domain.md "Presence").
 * Each process writes only its own rows, as absolute counts; a row goes when its count would be 0,
 * and with its process when that process stops or its heartbeat goes stale.
 */
@Entity({ tableName: 'agent_connections' })
@Check({ name: 'agent_connections_sockets_positive', expression: 'sockets > 0' })
export class AgentConnectionEntity {
  [PrimaryKeyProp]?: ['process', 'agent'];

  @ManyToOne(() => PresenceProcessEntity, { primary: true, ref: true, deleteRule: 'cascade' })
  process!: Ref<PresenceProcessEntity>;

  @Index({ name: 'agent_connections_agent_id_index' })
  @ManyToOne(() => AgentEntity, { primary: true, ref: true, deleteRule: 'cascade' })
  agent!: Ref<AgentEntity>;

  @Property({ type: 'integer' })
  sockets!: number;
}
