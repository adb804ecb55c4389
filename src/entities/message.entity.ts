import {
  Check,
  Entity,
  Enum,
  Index,
  ManyToOne,
  PrimaryKey,
  Property,
  Unique,
  type Opt,
  type Ref,
} from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { AuthorType } from '../domain/ticket/ticket.enums';
import { AgentEntity } from './agent.entity';
import { ChannelEntity } from './channel.entity';
import { TicketEntity } from './ticket.entity';

@Entity({ tableName: 'messages' })
@Unique({ name: 'messages_ticket_sequence_unique', properties: ['ticket', 'sequence'] })
// A partner's message id is accepted once per channel (docs/domain.md "Messages and ingestion").
@Unique({
  name: 'messages_channel_external_unique',
  expression:
    'create unique index "messages_channel_external_unique" on "messages" ("channel_id", "external_id") where "external_id" is not null',
})
@Check({ name: 'messages_sequence_positive', expression: 'sequence >= 1' })
export class MessageEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => TicketEntity, { ref: true, deleteRule: 'cascade' })
  ticket!: Ref<TicketEntity>;

  @ManyToOne(() => ChannelEntity, { ref: true, deleteRule: 'cascade' })
  channel!: Ref<ChannelEntity>;

  @Property({ type: 'integer' })
  sequence!: number;

  @Enum({ items: () => AuthorType, nativeEnumName: 'author_type' })
  authorType!: AuthorType;

  @Index({ name: 'messages_agent_id_index' })
  @ManyToOne(() => AgentEntity, { ref: true, nullable: true, deleteRule: 'set null' })
  agent: Ref<AgentEntity> | null = null;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'text', nullable: true })
  externalId: string | null = null;

  // What receiveMessage answered the first time, so a repeat of the same externalMessageId can
  // answer the same (with duplicate: true).
  @Property({ type: 'boolean' })
  createdTicket: boolean & Opt = false;

  @Property({ type: 'boolean' })
  reopenedTicket: boolean & Opt = false;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;
}
