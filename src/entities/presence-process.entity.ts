import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A running server process, for presence (docs/domain.md "Presence"): its heartbeat, in the
 * database's own time (processes' liveness is a fact about the machines, not the domain's clock),
 * tells the others whether its agents' connections still count.
 */
@Entity({ tableName: 'presence_processes' })
export class PresenceProcessEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'timestamptz' })
  heartbeatAt!: Date;
}
