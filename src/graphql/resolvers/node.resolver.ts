import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { FoundNode } from '../../services/node.service';
import type { GraphQLContext } from '../context';
import { AgentType } from '../types/agent.type';
import { ChannelType } from '../types/channel.type';
import { ConversationStyleType } from '../types/conversation-style.type';
import { MessageType } from '../types/message.type';
import { Node } from '../types/node.type';
import { SlaPolicyType } from '../types/sla.type';
import { EndUserType, TicketType } from '../types/ticket.type';
import { WebhookEndpointType } from '../types/webhook.type';

@Resolver()
export class NodeResolver {
  @Authorized()
  @Query(() => Node, {
    nullable: true,
    description:
      "Any Ticket, Message, Agent, Channel, EndUser, ConversationStyle, WebhookEndpoint or SlaPolicy by its id, as its own read would show it to the caller (an integration: its own channel only; agents and SLA policies: to admins and agents only; webhook endpoints: to admins and their channel's integration). Null when no such object is visible to the caller: unknown, hidden and malformed ids alike.",
  })
  async node(
    @Arg('id', () => ID, { description: 'Any `Node.id`.' }) id: string,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<Node | null> {
    const found = await services.nodes.find(principal, id);
    return found && toNode(found);
  }
}

/** Instances of the GraphQL classes: the Node interface resolves an object's type by its class. */
function toNode(found: FoundNode): Node {
  switch (found.type) {
    case 'Ticket':
      return TicketType.from(found.entity);
    case 'Message':
      return MessageType.from(found.entity);
    case 'Agent':
      return AgentType.from(found.entity);
    case 'Channel':
      return ChannelType.from(found.entity);
    case 'EndUser':
      return EndUserType.from(found.entity);
    case 'ConversationStyle':
      return ConversationStyleType.from(found.entity);
    case 'WebhookEndpoint':
      return WebhookEndpointType.from(found.entity);
    case 'SlaPolicy':
      return SlaPolicyType.from(found.entity);
  }
}
