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
import { MessageDeliveryStatus } from '../domain/ticket/message-delivery.rules';
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
// A reply's clientMessageId is accepted once per ticket and author (docs/domain.md "Messages and
// ingestion"); an admin's reply has no agent, and all admins are one author (the nil UUID here).
@Unique({
  name: 'messages_client_message_unique',
  expression:
    'create unique index "messages_client_message_unique" on "messages" ("ticket_id", coalesce("agent_id", \'00000000-0000-0000-0000-000000000000\'::uuid), "client_message_id") where "client_message_id" is not null',
})
// docs/domain.md "Search": TicketFilter.text. Searches spell this expression exactly
// (services/desk/ticket-search.store.ts), or the planner cannot use the index.
@Index({
  name: 'messages_search_index',
  expression:
    'create index "messages_search_index" on "messages" using gin (to_tsvector(\'simple\', "body"))',
})
@Check({ name: 'messages_sequence_positive', expression: 'sequence >= 1' })
@Check({
  name: 'messages_client_message_id_by_agent',
  expression: "client_message_id is null or author_type = 'AGENT'",
})
// docs/domain.md "Delivery receipts": receipts are for agents' messages; FAILED and only FAILED has
// its error (1 to 1,000 characters); a message read was delivered. A CHECK that comes out NULL
// passes, hence `is distinct from` where the status may be null.
@Check({
  name: 'messages_delivery_by_agent',
  expression: "delivery_status is null or author_type = 'AGENT'",
})
@Check({
  name: 'messages_delivery_error',
  expression: "(delivery_status is distinct from 'FAILED') = (delivery_error is null)",
})
@Check({
  name: 'messages_delivery_error_length',
  expression:
    'delivery_error is null or (char_length(delivery_error) >= 1 and char_length(delivery_error) <= 1000)',
})
// docs/domain.md "Internal notes": only agents and admins write them.
@Check({ name: 'messages_internal_by_agent', expression: "not internal or author_type = 'AGENT'" })
@Check({
  name: 'messages_read_delivered',
  expression: 'read_at is null or delivered_at is not null',
})
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

  /** An internal note: seen by agents and admins only (domain/auth/visibility.ts). */
  @Property({ type: 'boolean', default: false })
  internal: boolean & Opt = false;

  @Property({ type: 'text', nullable: true })
  externalId: string | null = null;

  /** The replying client's own id for the message (sendMessage's clientMessageId). */
  @Property({ type: 'text', nullable: true })
  clientMessageId: string | null = null;

  // What receiveMessage answered the first time, so a repeat of the same externalMessageId can
  // answer the same (with duplicate: true).
  @Property({ type: 'boolean' })
  createdTicket: boolean & Opt = false;

  @Property({ type: 'boolean' })
  reopenedTicket: boolean & Opt = false;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  /** The partner's latest receipt (updateMessageDelivery); null until the first. */
  @Enum({ items: () => MessageDeliveryStatus, nativeEnumName: 'message_delivery_status', nullable: true })
  deliveryStatus: MessageDeliveryStatus | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  deliveredAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  readAt: Date | null = null;

  /** FAILED's reason, as the partner gave it. */
  @Property({ type: 'text', nullable: true })
  deliveryError: string | null = null;
}
