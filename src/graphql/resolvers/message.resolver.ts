import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { seesInternalNotes } from '../../domain/auth/visibility';
import type { GraphQLContext } from '../context';
import { loadRequired } from '../loaders';
import { AgentType } from '../types/agent.type';
import { AttachmentType } from '../types/attachment.type';
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
    description:
      "A reply by the ticket's assignee, or by an admin, or an internal note by the same; not on CLOSED tickets.",
  })
  async sendMessage(
    @Arg('ticketId', () => ID, { description: "The ticket's id." }) ticketId: string,
    @Arg('body', {
      description:
        'The text; trimmed, 1 to 10,000 characters; may be empty when attachmentIds names uploads.',
    })
    body: string,
    @Arg('clientMessageId', () => String, {
      nullable: true,
      description:
        "The client's own id for this message (1 to 128 characters, no control characters), to make " +
        'a retry safe: the same id from the same author on the same ticket is accepted once, and a ' +
        'retry returns the first message unchanged (even if the ticket has since closed or moved).',
    })
    clientMessageId: string | null | undefined,
    @Arg('internal', () => Boolean, {
      nullable: true,
      defaultValue: false,
      description:
        'An internal note: seen by agents and admins only, never by the integration, the end user or a ' +
        'webhook; it changes no status and is no reply for the metrics.',
    })
    internal: boolean,
    @Arg('attachmentIds', () => [ID], {
      nullable: true,
      description:
        'Up to 10 of your uploads (POST /uploads) to attach: each unused, and uploaded within ' +
        'PARLEY_UPLOAD_ATTACH_WINDOW_SECONDS (1 h by default); otherwise BAD_USER_INPUT on attachmentIds ' +
        'and nothing is sent. With attachments the body may be empty.',
    })
    attachmentIds: string[] | null | undefined,
    @Ctx() { principal, services }: GraphQLContext,
  ): Promise<MessageType> {
    return MessageType.from(
      await services.messages.send(principal, ticketId, body, {
        clientMessageId: clientMessageId ?? null,
        internal,
        attachmentIds,
      }),
    );
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

  @FieldResolver(() => [AttachmentType], {
    description:
      'Its files, oldest upload first, each with a signed link that expires; empty for most messages.',
  })
  async attachments(
    @Root() message: MessageType,
    @Ctx() { principal, services, loaders }: GraphQLContext,
  ): Promise<AttachmentType[]> {
    // A note's attachments are hidden exactly as the note is (a note never reaches such a caller).
    if (message.internal && !seesInternalNotes(principal)) return [];
    const uploads = await loaders.messageAttachments.load(message.id);
    return uploads.map((upload) => AttachmentType.from(upload, services.attachments.link(upload)));
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
