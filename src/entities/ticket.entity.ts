import {
  BigIntType,
  Check,
  Entity,
  Enum,
  Index,
  ManyToOne,
  PrimaryKey,
  Property,
  type Opt,
  type Ref,
} from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { SlaTarget } from '../domain/sla/sla.rules';
import { TicketPriority, TicketStatus } from '../domain/ticket/ticket.enums';
import { AgentEntity } from './agent.entity';
import { ChannelEntity } from './channel.entity';
import { ConversationStyleEntity } from './conversation-style.entity';
import { EndUserEntity } from './end-user.entity';
import { SlaPolicyEntity } from './sla-policy.entity';
import { TextArrayType } from './text-array.type';

@Entity({ tableName: 'tickets' })
@Index({ name: 'tickets_requester_status_index', properties: ['requester', 'status'] })
@Index({ name: 'tickets_created_at_id_index', properties: ['createdAt', 'id'] })
@Index({ name: 'tickets_assignee_status_index', properties: ['assignee', 'status'] })
@Index({ name: 'tickets_channel_created_at_index', properties: ['channel', 'createdAt'] })
@Index({ name: 'tickets_offered_to_index', properties: ['offeredTo'] })
@Index({
  name: 'tickets_queue_index',
  expression:
    'create index "tickets_queue_index" on "tickets" ("waiting_since") where "status" = \'NEW\' and "offered_to_id" is null',
})
// docs/domain.md "Dashboards": ticketStats reads a range of creation times from this index alone.
@Index({
  name: 'tickets_stats_index',
  expression:
    'create index "tickets_stats_index" on "tickets" ("created_at") include ("id", "channel_id", "style_id", "assignee_id", "priority", "status", "reopen_count", "first_end_user_message_at", "first_agent_reply_at", "last_solved_at")',
})
@Index({ name: 'tickets_sla_policy_id_index', properties: ['slaPolicy'] })
// docs/domain.md "SLA": the sweep reads the tickets due for a look; queueStats counts the breached.
@Index({
  name: 'tickets_sla_check_index',
  expression:
    'create index "tickets_sla_check_index" on "tickets" ("sla_check_at") where "sla_check_at" is not null',
})
@Index({
  name: 'tickets_sla_breached_index',
  expression:
    'create index "tickets_sla_breached_index" on "tickets" ("channel_id") where "sla_breached" <> \'{}\' and "status" not in (\'SOLVED\', \'CLOSED\')',
})
// docs/domain.md "Ticket statuses": a ticket cannot be OPEN, PENDING, ON_HOLD or SOLVED without an assignee.
@Check({
  name: 'tickets_assignee_required',
  expression: "status = 'NEW' or status = 'CLOSED' or assignee_id is not null",
})
export class TicketEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => TicketStatus, nativeEnumName: 'ticket_status' })
  status: TicketStatus & Opt = TicketStatus.NEW;

  @Enum({ items: () => TicketPriority, nativeEnumName: 'ticket_priority' })
  priority: TicketPriority & Opt = TicketPriority.NORMAL;

  @ManyToOne(() => ChannelEntity, { ref: true, deleteRule: 'restrict' })
  channel!: Ref<ChannelEntity>;

  /** The channel's style when the ticket was created; a later change to the channel does not move it. */
  @ManyToOne(() => ConversationStyleEntity, { ref: true, deleteRule: 'restrict' })
  style!: Ref<ConversationStyleEntity>;

  @ManyToOne(() => EndUserEntity, { ref: true, deleteRule: 'restrict' })
  requester!: Ref<EndUserEntity>;

  @ManyToOne(() => AgentEntity, { ref: true, nullable: true, deleteRule: 'set null' })
  assignee: Ref<AgentEntity> | null = null;

  /** While a NEW ticket is offered: to whom, and until when (the offer counts toward their load). */
  @ManyToOne(() => AgentEntity, { ref: true, nullable: true, deleteRule: 'set null' })
  offeredTo: Ref<AgentEntity> | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  offerExpiresAt: (Date & Opt) | null = null;

  /** When the ticket last entered the queue; the queue is served by priority, then this. */
  @Property({ type: 'timestamptz' })
  waitingSince!: Date;

  @Property({ type: TextArrayType })
  requiredSkills: string[] & Opt = [];

  /** docs/domain.md "Skills timeout": required until the ticket has waited skillsTimeoutSeconds. */
  @Property({ type: TextArrayType, default: '{}' })
  optionalSkills: string[] & Opt = [];

  @ManyToOne(() => TicketEntity, { ref: true, nullable: true, deleteRule: 'set null' })
  followUpOf: Ref<TicketEntity> | null = null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  solvedAt: (Date & Opt) | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  closesAt: (Date & Opt) | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  closedAt: (Date & Opt) | null = null;

  @Property({ type: 'integer' })
  reopenCount: number & Opt = 0;

  /** The last message's sequence; the next message takes this + 1 under the ticket's row lock. */
  @Property({ type: 'integer' })
  lastSequence: number & Opt = 0;

  // The folded metrics state (domain/ticket/ticket-metrics.ts), kept in step with the event log.
  @Property({ type: 'timestamptz', nullable: true })
  firstEndUserMessageAt: (Date & Opt) | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  firstAgentReplyAt: (Date & Opt) | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastSolvedAt: (Date & Opt) | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  openSince: (Date & Opt) | null = null;

  @Property({ type: new BigIntType('number') })
  handleMs: number & Opt = 0;

  @Property({ type: 'integer' })
  assignmentCount: number & Opt = 0;

  // docs/domain.md "SLA": the policy, the folded reply clock, each target's due time while it
  // runs, the targets missed, and when the ticket must next be looked at (the earliest due time of
  // a target not yet missed), kept in step with the event log like the metrics.
  @ManyToOne(() => SlaPolicyEntity, { ref: true, nullable: true, deleteRule: 'set null' })
  slaPolicy: Ref<SlaPolicyEntity> | null = null;

  /** Since when an agent's reply is owed (domain/sla/sla.rules.ts foldReplyOwed). */
  @Property({ type: 'timestamptz', nullable: true })
  replyOwedSince: (Date & Opt) | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  firstReplyDueAt: (Date & Opt) | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  nextReplyDueAt: (Date & Opt) | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  resolutionDueAt: (Date & Opt) | null = null;

  @Property({ type: TextArrayType, default: '{}' })
  slaBreached: SlaTarget[] & Opt = [];

  @Property({ type: 'timestamptz', nullable: true })
  slaCheckAt: (Date & Opt) | null = null;
}
