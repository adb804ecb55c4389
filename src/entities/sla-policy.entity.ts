import { Check, Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { BusinessHours } from '../domain/sla/business-time';
import type { TicketPriority } from '../domain/ticket/ticket.enums';
import { TextArrayType } from './text-array.type';

/**
 * An SLA policy (docs/domain.md "SLA"): which tickets it takes (priorities and channels, empty:
 * any), its targets in seconds of business time, and the business hours (null: all the time).
 * Policies are tried by position, then the older first.
 */
@Entity({ tableName: 'sla_policies' })
@Check({ name: 'sla_policies_position_range', expression: 'position >= 0 and position <= 1000000' })
// Null (no such target) passes a check: only a value is held to the range.
@Check({
  name: 'sla_policies_first_reply_range',
  expression: 'first_reply_seconds >= 1 and first_reply_seconds <= 31536000',
})
@Check({
  name: 'sla_policies_next_reply_range',
  expression: 'next_reply_seconds >= 1 and next_reply_seconds <= 31536000',
})
@Check({
  name: 'sla_policies_resolution_range',
  expression: 'resolution_seconds >= 1 and resolution_seconds <= 31536000',
})
export class SlaPolicyEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'integer' })
  position!: number;

  @Property({ type: TextArrayType, default: '{}' })
  priorities: TicketPriority[] & Opt = [];

  /** Not foreign keys (an array holds none): a channel is checked when a policy names it. */
  @Property({ type: TextArrayType, columnType: 'uuid[]', default: '{}' })
  channelIds: string[] & Opt = [];

  @Property({ type: 'integer', nullable: true })
  firstReplySeconds: number | null = null;

  @Property({ type: 'integer', nullable: true })
  nextReplySeconds: number | null = null;

  @Property({ type: 'integer', nullable: true })
  resolutionSeconds: number | null = null;

  @Property({ type: 'json', nullable: true })
  businessHours: BusinessHours | null = null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'timestamptz' })
  updatedAt!: Date;
}
