import { Check, Entity, Index, ManyToOne, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { AgentEntity } from './agent.entity';
import { TicketEntity } from './ticket.entity';

/**
 * An agent's read mark on a ticket (docs/domain.md "Read state"): the messages up to
 * `lastReadSequence` are read. Written only by one upsert that keeps the greater mark.
 */
@Entity({ tableName: 'ticket_reads' })
@Check({ name: 'ticket_reads_sequence_range', expression: 'last_read_sequence >= 0' })
export class TicketReadEntity {
  [PrimaryKeyProp]?: ['agent', 'ticket'];

  @ManyToOne(() => AgentEntity, { primary: true, ref: true, deleteRule: 'cascade' })
  agent!: Ref<AgentEntity>;

  @Index({ name: 'ticket_reads_ticket_id_index' })
  @ManyToOne(() => TicketEntity, { primary: true, ref: true, deleteRule: 'cascade' })
  ticket!: Ref<TicketEntity>;

  @Property({ type: 'integer' })
  lastReadSequence!: number;

  /** When the mark last moved forward. */
  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}
