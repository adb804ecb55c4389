import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { loadRequired } from '../loaders';
import { AgentType } from '../types/agent.type';
import {
  MessageType,
  ReceiveMessageInput,
  ReceiveMessagePayload,
  UpdateMessageDeliveryInput,
} from '../types/message.type';
import { TicketType } from '../types/ticket.type';

@Resolver(() => MessageType)
export class MessageResolver {
  @Authorized('INTEGRATION', 'ADMIN')
  @Mutation(() => ReceiveMessagePayload, {
    description:
      "An end user's message, from the channel's integration: appended to their open ticket, or a new one.",
  })
  async receiveMessage(
    @Arg('input', () => ReceiveMessageInput, { description: 'The message and who sent it.' })
    input: ReceiveMessageInput,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<ReceiveMessagePayload> {
    const result = await services.messages.receive(principal, input);
    return {
      message: MessageType.from(result.message),
      ticket: TicketType.from(result.ticket),
      ticketCreated: result.ticketCreated,
      reopened: result.reopened,
      duplicate: result.duplicate,
    };
  }

  @Authorized('AGENT', 'ADMIN')
  @Mutation(() => MessageType, {
    description: "A reply by the ticket's assignee, or by an admin; not on CLOSED tickets.",
  })
  async sendMessage(
    @Arg('ticketId', () => ID, { description: "The ticket's id." }) ticketId: string,
    @Arg('body', { description: 'The text; trimmed, 1 to 10,000 characters.' }) body: string,
    @Arg('clientMessageId', () => String, {
      nullable: true,
      description:
        "The client's own id for this message (1 to 128 characters, no control characters), to make " +
        'a retry safe: the same id from the same author on the same ticket is accepted once, and a ' +
        'retry returns the first message unchanged (even if the ticket has since closed or moved).',
    })
    clientMessageId: string | null | undefined,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<MessageType> {
    return MessageType.from(await services.messages.send(principal, ticketId, body, clientMessageId ?? null));
  }

  @Authorized('INTEGRATION', 'ADMIN')
  @Mutation(() => MessageType, {
    description:
      "A delivery receipt for an agent's message, from its channel's integration (or an admin): SENT → DELIVERED → READ, or FAILED. " +
      'Each receipt that moves the message forward is one MESSAGE_UPDATED change; one that does not returns the message unchanged.',
  })
  async updateMessageDelivery(
    @Arg('input', () => UpdateMessageDeliveryInput, { description: 'The message and its receipt.' })
    input: UpdateMessageDeliveryInput,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<MessageType> {
    return MessageType.from(await services.messages.updateDelivery(principal, input));
  }

  @FieldResolver(() => TicketType, { description: 'The ticket the message belongs to.' })
  async ticket(@Root() message: MessageType, @Ctx() { loaders }: GraphQLContext): Promise<TicketType> {
    return TicketType.from(await loadRequired(loaders.ticket, message.ticketId, 'Ticket'));
  }

  @FieldResolver(() => AgentType, {
    nullable: true,
    description: "The agent who wrote it; null for end users' messages and admins' replies.",
  })
  async agent(@Root() message: MessageType, @Ctx() { loaders }: GraphQLContext): Promise<AgentType | null> {
    return message.agentId
      ? AgentType.from(await loadRequired(loaders.agent, message.agentId, 'Agent'))
      : null;
  }
}
