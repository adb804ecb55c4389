import {
  BigIntType,
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
import { WebhookDeliveryStatus } from '../domain/webhook/webhook.enums';
import { TicketEventEntity } from './ticket-event.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

export { WebhookDeliveryStatus };

/**
 * One change for one endpoint, and how sending it went. `leaseUntil` marks it in flight in one
 * process; a lease that ran out (its process died) lets another process send it again.
 */
@Entity({ tableName: 'webhook_deliveries' })
@Unique({ name: 'webhook_deliveries_endpoint_event_unique', properties: ['endpoint', 'event'] })
@Index({
  name: 'webhook_deliveries_due_index',
  expression:
    'create index "webhook_deliveries_due_index" on "webhook_deliveries" ("next_attempt_at") where "status" = \'PENDING\'',
})
// A later change of a ticket waits while an earlier one to the same endpoint is PENDING.
@Index({
  name: 'webhook_deliveries_ticket_order_index',
  expression:
    'create index "webhook_deliveries_ticket_order_index" on "webhook_deliveries" ("endpoint_id", "ticket_id", "stream_xid", "event_id") where "status" = \'PENDING\'',
})
@Index({ name: 'webhook_deliveries_log_index', properties: ['endpoint', 'createdAt', 'id'] })
@Check({
  name: 'webhook_deliveries_pending_due',
  expression: "status <> 'PENDING' or next_attempt_at is not null",
})
export class WebhookDeliveryEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => WebhookEndpointEntity, { ref: true, deleteRule: 'cascade' })
  endpoint!: Ref<WebhookEndpointEntity>;

  @Index({ name: 'webhook_deliveries_event_id_index' })
  @ManyToOne(() => TicketEventEntity, { ref: true, deleteRule: 'cascade', type: new BigIntType('string') })
  event!: Ref<TicketEventEntity>;

  @Property({ type: 'uuid' })
  ticketId!: string;

  /** The change's position (with its event id), for per-ticket order. */
  @Property({ type: 'string', columnType: 'xid8' })
  streamXid!: string;

  @Enum({
    items: () => WebhookDeliveryStatus,
    nativeEnumName: 'webhook_delivery_status',
    default: WebhookDeliveryStatus.PENDING,
  })
  status: WebhookDeliveryStatus & Opt = WebhookDeliveryStatus.PENDING;

  @Property({ type: 'integer', default: 0 })
  attempts: number & Opt = 0;

  @Property({ type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null = null;

  @Property({ type: 'integer', nullable: true })
  responseStatus: number | null = null;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  deliveredAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  leaseOwner: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  leaseUntil: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;
}
