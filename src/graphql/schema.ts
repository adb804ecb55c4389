import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import './enums';
import { authChecker } from './auth-checker';
import { AgentResolver } from './resolvers/agent.resolver';
import { ApiTokenResolver } from './resolvers/api-token.resolver';
import { ChannelResolver } from './resolvers/channel.resolver';
import { ConversationStyleResolver } from './resolvers/conversation-style.resolver';
import { MessageResolver } from './resolvers/message.resolver';
import { NodeResolver } from './resolvers/node.resolver';
import { ReadStateResolver } from './resolvers/read-state.resolver';
import { RoutingSettingsResolver } from './resolvers/routing-settings.resolver';
import { RoutingResolver } from './resolvers/routing.resolver';
import { SlaPolicyResolver, TicketSlaResolver } from './resolvers/sla.resolver';
import { TicketStatsResolver } from './resolvers/ticket-stats.resolver';
import { TicketChangeResolver } from './resolvers/ticket-change.resolver';
import { EndUserResolver, TicketResolver } from './resolvers/ticket.resolver';
import { TypingResolver } from './resolvers/typing.resolver';
import { WebhookDeliveryResolver, WebhookEndpointResolver } from './resolvers/webhook.resolver';
import { DateTimeScalar } from './scalars';

let built: Promise<GraphQLSchema> | undefined;

/** Built once per process: type-graphql's metadata is global, and the schema is immutable. */
export function getSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [
      ApiTokenResolver,
      AgentResolver,
      ChannelResolver,
      ConversationStyleResolver,
      EndUserResolver,
      MessageResolver,
      NodeResolver,
      ReadStateResolver,
      RoutingResolver,
      RoutingSettingsResolver,
      SlaPolicyResolver,
      TicketResolver,
      TicketSlaResolver,
      TicketStatsResolver,
      TicketChangeResolver,
      TypingResolver,
      WebhookEndpointResolver,
      WebhookDeliveryResolver,
    ],
    authChecker,
    authMode: 'error',
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // Inputs are validated by the domain rules (one place, with the contract's error codes).
    validate: false,
    // Every subscription reads from its app's event bus (context.services.events) through its own
    // `subscribe`, because one schema serves every app in the process. type-graphql insists on a
    // pubSub all the same; this one makes any use of the topic mechanism fail loudly.
    pubSub: {
      publish: () => {
        throw new Error('Publish through services.events, not type-graphql topics');
      },
      subscribe: () => {
        throw new Error('Subscribe through services.events, not type-graphql topics');
      },
    },
  }).then(describeRootTypes);
  return built;
}

/**
 * type-graphql has no place to describe the root types, and every type carries a description (the
 * schema linter checks it). Set once, before the schema is shared.
 */
function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const roots: [GraphQLObjectType | null | undefined, string][] = [
    [
      schema.getQueryType(),
      'Reads. Every query needs a bearer token (an admin, agent or integration token).',
    ],
    [schema.getMutationType(), 'Changes. Each is one transaction: a refused mutation changes nothing.'],
    [
      schema.getSubscriptionType(),
      'Live streams over graphql-ws (the token goes in connectionParams.authorization); a stream given a cursor resumes without a gap.',
    ],
  ];
  for (const [type, description] of roots) if (type) type.description = description;
  return schema;
}

/** The SDL committed as schema/schema.graphql: sorted, so diffs show real changes only. */
export async function printSchemaSdl(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await getSchema()))}\n`;
}
