import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { WebhookDeliveryEntity } from '../../entities/webhook-delivery.entity';
import type { WebhookEndpointEntity } from '../../entities/webhook-endpoint.entity';
import { TicketChangeKind, WebhookDeliveryStatus } from '../enums';
import { PageInfo } from './connection.type';
import { Node, NODE_ID_DESCRIPTION } from './node.type';

@ObjectType('WebhookEndpoint', {
  description:
    "A partner's URL that receives ticket changes as signed POSTs: its channel's changes, or every channel's. Its signing secret is shown only by createWebhookEndpoint and rotateWebhookSecret.",
  implements: Node,
})
export class WebhookEndpointType {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  id!: string;

  @Field({ description: 'Where deliveries are POSTed (http or https).' })
  url!: string;

  @Field(() => [TicketChangeKind], {
    description: 'The change kinds it receives, each once; empty: every kind (those added later too).',
  })
  kinds!: TicketChangeKind[];

  @Field({
    description:
      'Whether changes are sent to it. While disabled nothing is sent; enabled again, it gets the changes it missed, in order.',
  })
  enabled!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      'Why it is disabled: by hand ("disabled by admin" or "disabled by integration"), or because every delivery gave up for 24 hours. Null while enabled.',
  })
  disabledReason!: string | null;

  @Field({ description: 'When it was registered; it receives the changes committed from then on.' })
  createdAt!: Date;

  /** Resolved to `channel` (webhook.resolver.ts); null: every channel. */
  channelId!: string | null;

  static from(entity: WebhookEndpointEntity): WebhookEndpointType {
    return Object.assign(new WebhookEndpointType(), {
      id: entity.id,
      url: entity.url,
      kinds: entity.kinds as TicketChangeKind[],
      enabled: entity.enabled,
      disabledReason: entity.disabledReason,
      createdAt: entity.createdAt,
      channelId: entity.channel?.id ?? null,
    });
  }
}

@ObjectType('WebhookDelivery', {
  description: 'One change for one endpoint, and how sending it went (the delivery log).',
})
export class WebhookDeliveryType {
  @Field(() => ID, { description: 'Sent as the Parley-Delivery-Id header; pass to redeliverWebhook.' })
  id!: string;

  @Field(() => WebhookDeliveryStatus, { description: 'Pending, delivered, or given up.' })
  status!: WebhookDeliveryStatus;

  @Field(() => Int, {
    description: 'Attempts made so far (back to 0 when redelivered).',
  })
  attempts!: number;

  @Field(() => Date, {
    nullable: true,
    description: 'When it was last tried; null before its first attempt.',
  })
  lastAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it is tried next, while PENDING; null otherwise.' })
  nextAttemptAt!: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: "The HTTP status of the last attempt's answer; null when there was none (timeout, refused).",
  })
  responseStatus!: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the last attempt failed (a status outside 2xx, a timeout, a refused address …).',
  })
  lastError!: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When it was delivered (answered 2xx); null until then.',
  })
  deliveredAt!: Date | null;

  /** Resolved to `endpoint` and `change` (webhook.resolver.ts). */
  endpointId!: string;
  eventId!: string;

  static from(entity: WebhookDeliveryEntity): WebhookDeliveryType {
    const pending = entity.status === WebhookDeliveryStatus.PENDING;
    return Object.assign(new WebhookDeliveryType(), {
      id: entity.id,
      status: entity.status,
      attempts: entity.attempts,
      lastAttemptAt: entity.lastAttemptAt,
      nextAttemptAt: pending ? entity.nextAttemptAt : null,
      responseStatus: entity.responseStatus,
      lastError: entity.lastError,
      deliveredAt: entity.deliveredAt,
      endpointId: entity.endpoint.id,
      eventId: String(entity.event.id),
    });
  }
}

@ObjectType('WebhookDeliveryEdge', { description: 'One delivery in a page of the log.' })
export class WebhookDeliveryEdge {
  @Field({ description: "The delivery's place in the log: pass as `after` for the older ones." })
  cursor!: string;

  @Field(() => WebhookDeliveryType, { description: 'The delivery.' })
  node!: WebhookDeliveryType;
}

@ObjectType('WebhookDeliveryConnection', {
  description: "A page of an endpoint's delivery log, newest first.",
})
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge], { description: 'The deliveries of this page, newest first.' })
  edges!: WebhookDeliveryEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits in the log; page on from `endCursor`.' })
  pageInfo!: PageInfo;
}

@ObjectType('WebhookEndpointSecretPayload', {
  description: 'An endpoint and its signing secret, shown here once.',
})
export class WebhookEndpointSecretPayload {
  @Field(() => WebhookEndpointType, { description: 'The endpoint.' })
  endpoint!: WebhookEndpointType;

  @Field({
    description:
      'The signing secret (whsec_…): the HMAC-SHA256 key of Parley-Signature, the whole string as shown. Shown only here; store it now.',
  })
  secret!: string;
}

@InputType('CreateWebhookEndpointInput', { description: 'A new webhook endpoint.' })
export class CreateWebhookEndpointInput {
  @Field({
    description:
      'Absolute http(s), no user name or password, at most 2,048 characters. Where private targets are refused (production), its host must be public or allowed (PARLEY_WEBHOOK_ALLOWED_HOSTS).',
  })
  url!: string;

  @Field(() => ID, {
    nullable: true,
    description:
      "The channel whose changes it receives. An integration: its own (the default; another is FORBIDDEN). An admin: any, or none for every channel's.",
  })
  channelId?: string | null;

  @Field(() => [TicketChangeKind], {
    nullable: true,
    description: 'The change kinds it receives; repeats count once; omitted or empty: every kind.',
  })
  kinds?: TicketChangeKind[] | null;
}

@InputType('UpdateWebhookEndpointInput', {
  description:
    'Omitted fields keep their value. New kinds apply to the changes made from now on; a new URL to every delivery sent from now on, pending ones included.',
})
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true, description: 'As in CreateWebhookEndpointInput.url.' })
  url?: string | null;

  @Field(() => [TicketChangeKind], {
    nullable: true,
    description: 'Replaces the kinds it receives; empty: every kind.',
  })
  kinds?: TicketChangeKind[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'true: enabled (its disabledReason and failing streak are cleared; it catches up on the changes it missed); false: disabled by hand, nothing is sent until it is enabled again.',
  })
  enabled?: boolean | null;
}
