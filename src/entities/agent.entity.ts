import { Check, Entity, Enum, PrimaryKey, Property, Unique, type Opt } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { AgentStatus, DEFAULT_CAPACITY } from '../domain/agent/agent.rules';
import { TextArrayType } from './text-array.type';

@Entity({ tableName: 'agents' })
@Unique({
  name: 'agents_email_lower_unique',
  expression: 'create unique index "agents_email_lower_unique" on "agents" (lower("email"))',
})
@Check({ name: 'agents_capacity_range', expression: 'capacity >= 0 and capacity <= 100' })
export class AgentEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  /** Kept as entered; uniqueness ignores case (the unique index is on lower(email)). */
  @Property({ type: 'text' })
  email!: string;

  @Enum({ items: () => AgentStatus, nativeEnumName: 'agent_status' })
  status: AgentStatus & Opt = AgentStatus.OFFLINE;

  @Property({ type: TextArrayType })
  skills: string[] & Opt = [];

  @Property({ type: 'integer' })
  capacity: number & Opt = DEFAULT_CAPACITY;

  @Property({ type: 'timestamptz', nullable: true })
  lastAssignedAt: (Date & Opt) | null = null;

  /**
   * When the agent took its current status (docs/domain.md "Presence": how long it has been OFFLINE,
   * or ONLINE without a socket). Null only for rows written outside the services.
   */
  @Property({ type: 'timestamptz', nullable: true })
  statusSince: (Date & Opt) | null = null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}
