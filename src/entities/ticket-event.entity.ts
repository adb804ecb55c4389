import {
  BigIntType,
  Entity,
  Enum,
  Index,
  ManyToOne,
  PrimaryKey,
  Property,
  type Opt,
  type Ref,
} from '@mikro-orm/core';
import { ActorType, AuthorType, TicketChangeKind, TicketStatus } from '../domain/ticket/ticket.enums';
import { MessageEntity } from './message.entity';
import { TicketEntity } from './ticket.entity';

/**
 * The ticket event log: one row per change, written in the change's transaction by the log store
 * (events/event-log.store.ts), the one ordered stream every delivery reads (docs/domain.md "The
 * event stream"). A row's position is (streamXid, id). Ids come from one sequence; a ticket's
 * events are written under its row lock, so its ids follow commit order. Metrics fold over it.
 */
@Entity({ tableName: 'ticket_events' })
@Index({ name: 'ticket_events_ticket_id_id_index', properties: ['ticket', 'id'] })
@Index({ name: 'ticket_events_stream_index', properties: ['streamXid', 'id'] })
// An integration's catch-up read: its channel's changes in stream order.
@Index({ name: 'ticket_events_channel_stream_index', properties: ['channelId', 'streamXid', 'id'] })
// docs/domain.md "Dashboards": the SLA_BREACHED events, without reading every event.
@Index({ name: 'ticket_events_kind_ticket_id_index', properties: ['kind', 'ticket'] })
export class TicketEventEntity {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: true })
  id!: string;

  @ManyToOne(() => TicketEntity, { ref: true, deleteRule: 'cascade' })
  ticket!: Ref<TicketEntity>;

  @Enum({ items: () => TicketChangeKind, nativeEnumName: 'ticket_change_kind' })
  kind!: TicketChangeKind;

  @Enum({ items: () => TicketStatus, nativeEnumName: 'ticket_status', nullable: true })
  fromStatus: TicketStatus | null = null;

  @Enum({ items: () => TicketStatus, nativeEnumName: 'ticket_status', nullable: true })
  toStatus: TicketStatus | null = null;

  /** ASSIGNED: the new assignee (null: back to the queue). */
  @Property({ type: 'uuid', nullable: true })
  agentId: string | null = null;

  @ManyToOne(() => MessageEntity, { ref: true, nullable: true, deleteRule: 'cascade' })
  message: Ref<MessageEntity> | null = null;

  @Enum({ items: () => AuthorType, nativeEnumName: 'author_type', nullable: true })
  authorType: AuthorType | null = null;

  /** The change carries an internal note: integrations and webhooks never receive it. */
  @Property({ type: 'boolean', default: false })
  internal: boolean & Opt = false;

  @Enum({ items: () => ActorType, nativeEnumName: 'actor_type' })
  actorType!: ActorType;

  @Property({ type: 'text', nullable: true })
  actorId: string | null = null;

  @Property({ type: 'timestamptz' })
  at!: Date;

  /**
   * The first half of the position: at least the writing transaction's id and at least the
   * ticket's previous change's (set by the log store's insert, never by the ORM).
   */
  @Property({ type: 'string', columnType: 'xid8' })
  streamXid!: string;

  /** The ticket's status right after this change (filters match on it). */
  @Enum({ items: () => TicketStatus, nativeEnumName: 'ticket_status' })
  status!: TicketStatus;

  /** The ticket's assignee right after this change. */
  @Property({ type: 'uuid', nullable: true })
  assigneeId: string | null = null;

  /** The agent the ticket is offered to right after this change (TicketFilter.offeredToId). */
  @Property({ type: 'uuid', nullable: true })
  offeredToId: string | null = null;

  /** The ticket's status right before this change; null for its first (CREATED). */
  @Enum({ items: () => TicketStatus, nativeEnumName: 'ticket_status', nullable: true })
  previousStatus: TicketStatus | null = null;

  /** The ticket's assignee right before this change. */
  @Property({ type: 'uuid', nullable: true })
  previousAssigneeId: string | null = null;

  /** The agent the ticket was offered to right before this change. */
  @Property({ type: 'uuid', nullable: true })
  previousOfferedToId: string | null = null;

  /** The ticket's channel and requester (they never change), so the log is read on its own. */
  @Property({ type: 'uuid' })
  channelId!: string;

  @Property({ type: 'uuid' })
  requesterId!: string;
}
