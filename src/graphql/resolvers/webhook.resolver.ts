import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { EndpointWithSecret } from '../../services/webhooks/webhook-endpoint.service';
import type { GraphQLContext } from '../context';
import { WebhookDeliveryStatus } from '../enums';
import { loadRequired } from '../loaders';
import { ChannelType } from '../types/channel.type';
import { PageInfo } from '../types/connection.type';
import { TicketChangeType } from '../types/ticket-change.type';
import {
  CreateWebhookEndpointInput,
  UpdateWebhookEndpointInput,
  WebhookDeliveryConnection,
  WebhookDeliveryType,
  WebhookEndpointSecretPayload,
  WebhookEndpointType,
} from '../types/webhook.type';

/** Admins (any endpoint) and integrations (their channel's): docs/domain.md "Webhook endpoints". */
const MANAGERS = ['ADMIN', 'INTEGRATION'] as const;
const ENDPOINT_ID = "The endpoint's id (an integration: one of its own channel's).";

@Resolver(() => WebhookEndpointType)
export class WebhookEndpointResolver {
  @Authorized(...MANAGERS)
  @Query(() => [WebhookEndpointType], {
    description: "Webhook endpoints, oldest first: an admin's every one, an integration its own channel's.",
  })
  async webhookEndpoints(@Ctx() { principal, services }: GraphQLContext): Promise<WebhookEndpointType[]> {
    return (await services.webhookEndpoints.list(principal)).map(WebhookEndpointType.from);
  }

  @Authorized(...MANAGERS)
  @Query(() => WebhookEndpointType, {
    nullable: true,
    description: 'One webhook endpoint; NOT_FOUND when unknown or not the caller’s to manage.',
  })
  async webhookEndpoint(
    @Arg('id', () => ID, { description: ENDPOINT_ID }) id: string,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<WebhookEndpointType> {
    return WebhookEndpointType.from(await services.webhookEndpoints.get(principal, id));
  }

  @Authorized(...MANAGERS)
  @Mutation(() => WebhookEndpointSecretPayload, {
    description:
      'Registers a webhook endpoint; it receives the changes committed from now on. Answers its signing secret, shown only here and by rotateWebhookSecret.',
  })
  async createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput, { description: 'The new endpoint.' })
    input: CreateWebhookEndpointInput,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<WebhookEndpointSecretPayload> {
    return secretPayload(await services.webhookEndpoints.create(principal, input));
  }

  @Authorized(...MANAGERS)
  @Mutation(() => WebhookEndpointType, {
    description: "Changes an endpoint's URL or kinds, or disables or enables it.",
  })
  async updateWebhookEndpoint(
    @Arg('id', () => ID, { description: ENDPOINT_ID }) id: string,
    @Arg('input', () => UpdateWebhookEndpointInput, { description: 'What changes.' })
    input: UpdateWebhookEndpointInput,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<WebhookEndpointType> {
    return WebhookEndpointType.from(await services.webhookEndpoints.update(principal, id, input));
  }

  @Authorized(...MANAGERS)
  @Mutation(() => ID, {
    description: 'Deletes an endpoint and its delivery log; answers its id. Nothing more is sent to it.',
  })
  async deleteWebhookEndpoint(
    @Arg('id', () => ID, { description: ENDPOINT_ID }) id: string,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<string> {
    return services.webhookEndpoints.delete(principal, id);
  }

  @Authorized(...MANAGERS)
  @Mutation(() => WebhookEndpointSecretPayload, {
    description:
      'Issues a new signing secret, shown only here. The replaced one keeps signing beside it (a second v1= in Parley-Signature) for 24 hours.',
  })
  async rotateWebhookSecret(
    @Arg('id', () => ID, { description: ENDPOINT_ID }) id: string,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<WebhookEndpointSecretPayload> {
    return secretPayload(await services.webhookEndpoints.rotateSecret(principal, id));
  }

  @Authorized(...MANAGERS)
  @Mutation(() => WebhookDeliveryType, {
    description:
      'Sends a delivery again, with the same Parley-Event-Id: PENDING, due now, attempts from 0. ILLEGAL_TRANSITION while its endpoint is disabled.',
  })
  async redeliverWebhook(
    @Arg('deliveryId', () => ID, { description: 'A `WebhookDelivery.id` of an endpoint the caller manages.' })
    deliveryId: string,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<WebhookDeliveryType> {
    return WebhookDeliveryType.from(await services.webhookEndpoints.redeliver(principal, deliveryId));
  }

  @FieldResolver(() => ChannelType, {
    nullable: true,
    description: 'The channel whose changes it receives; null: every channel (registered by an admin).',
  })
  async channel(
    @Root() endpoint: WebhookEndpointType,
    @Ctx() { loaders }: GraphQLContext,
  ): Promise<ChannelType | null> {
    return endpoint.channelId
      ? ChannelType.from(await loadRequired(loaders.channel, endpoint.channelId, 'Channel'))
      : null;
  }

  @FieldResolver(() => WebhookDeliveryConnection, {
    description:
      'Its delivery log, newest first (delivered ones are pruned after PARLEY_WEBHOOK_RETENTION_DAYS).',
  })
  async deliveries(
    @Root() endpoint: WebhookEndpointType,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'From 0 to 100.' })
    first: number | null,
    @Arg('after', () => String, {
      nullable: true,
      description: 'An edge’s `cursor`: the deliveries older than it.',
    })
    after: string | null,
    @Arg('status', () => WebhookDeliveryStatus, {
      nullable: true,
      description: 'Only the deliveries with this status; none: all.',
    })
    status: WebhookDeliveryStatus | null,
    @Ctx() { services }: GraphQLContext,
  ): Promise<WebhookDeliveryConnection> {
    const page = await services.webhookEndpoints.deliveries(endpoint.id, { first, after, status });
    return {
      edges: page.items.map((delivery, i) => ({
        cursor: page.cursors[i]!,
        node: WebhookDeliveryType.from(delivery),
      })),
      pageInfo: PageInfo.of(page.cursors, page),
    };
  }
}

@Resolver(() => WebhookDeliveryType)
export class WebhookDeliveryResolver {
  @FieldResolver(() => WebhookEndpointType, { description: 'The endpoint it is for.' })
  async endpoint(
    @Root() delivery: WebhookDeliveryType,
    @Ctx() { loaders }: GraphQLContext,
  ): Promise<WebhookEndpointType> {
    return WebhookEndpointType.from(
      await loadRequired(loaders.webhookEndpoint, delivery.endpointId, 'WebhookEndpoint'),
    );
  }

  @FieldResolver(() => TicketChangeType, {
    description: 'The change it delivers; its cursor is the Parley-Event-Id header and the document’s id.',
  })
  async change(
    @Root() delivery: WebhookDeliveryType,
    @Ctx() { loaders }: GraphQLContext,
  ): Promise<TicketChangeType> {
    return TicketChangeType.from(
      await loadRequired(loaders.changeByEventId, delivery.eventId, 'TicketChange'),
    );
  }
}

function secretPayload({ endpoint, secret }: EndpointWithSecret): WebhookEndpointSecretPayload {
  return Object.assign(new WebhookEndpointSecretPayload(), {
    endpoint: WebhookEndpointType.from(endpoint),
    secret,
  });
}
