import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { MessageEntity } from '../../entities/message.entity';
import { AuthorType, MessageDeliveryStatus, TicketPriority } from '../enums';
import { PageInfo } from './connection.type';
import { Node, NODE_ID_DESCRIPTION } from './node.type';
import { TicketType } from './ticket.type';

@ObjectType('Message', {
  description: 'One message of a ticket, from the end user or an agent.',
  implements: Node,
})
export class MessageType {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  id!: string;

  @Field(() => Int, {
    description:
      "1, 2, 3 … within the ticket, in commit order, with no gaps (an integration does not see internal notes' numbers).",
  })
  sequence!: number;

  @Field(() => AuthorType, { description: "An admin's reply is AGENT with no agent." })
  authorType!: AuthorType;

  @Field({ description: 'The text, trimmed.' })
  body!: string;

  @Field({
    description:
      'An internal note (sendMessage with internal: true): seen by agents and admins only, never by integrations or webhooks.',
  })
  internal!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "The partner's message id (receiveMessage's externalMessageId).",
  })
  externalId!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The replying client's own id for the message (sendMessage's clientMessageId), so an optimistic " +
      'message can be matched with it.',
  })
  clientMessageId!: string | null;

  @Field({ description: 'When it was received or sent.' })
  createdAt!: Date;

  @Field(() => MessageDeliveryStatus, {
    nullable: true,
    description:
      "An agent's message: the latest receipt the channel's integration reported (updateMessageDelivery); null until the first, and always for end users' messages.",
  })
  deliveryStatus!: MessageDeliveryStatus | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When a DELIVERED (or the first READ, if none came before it) was reported.',
  })
  deliveredAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When READ was reported.' })
  readAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it FAILED, as the partner said.' })
  deliveryError!: string | null;

  ticketId!: string;
  agentId!: string | null;

  static from(entity: MessageEntity): MessageType {
    return Object.assign(new MessageType(), {
      id: entity.id,
      sequence: entity.sequence,
      authorType: entity.authorType,
      body: entity.body,
      internal: entity.internal,
      externalId: entity.externalId,
      clientMessageId: entity.clientMessageId,
      createdAt: entity.createdAt,
      deliveryStatus: entity.deliveryStatus,
      deliveredAt: entity.deliveredAt,
      readAt: entity.readAt,
      deliveryError: entity.deliveryError,
      ticketId: entity.ticket.id,
      agentId: entity.agent?.id ?? null,
    });
  }
}

@ObjectType('MessageEdge', { description: 'One message in a page.' })
export class MessageEdge {
  @Field({ description: 'Pass as `after` or `before` to read on from this message.' })
  cursor!: string;

  @Field(() => MessageType, { description: 'The message.' })
  node!: MessageType;
}

@ObjectType('MessageConnection', { description: 'A page of messages (Relay cursor connection).' })
export class MessageConnection {
  @Field(() => [MessageEdge], {
    description: 'The messages of this page, oldest first, whichever way you page.',
  })
  edges!: MessageEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits in the thread.' })
  pageInfo!: PageInfo;
}

@InputType('ReceiveMessageInput', {
  description: "An end user's message, as the channel's integration relays it.",
})
export class ReceiveMessageInput {
  @Field(() => ID, { description: "The channel it arrived on (an integration's own channel only)." })
  channelId!: string;

  @Field({ description: "The end user's id on the channel (their WhatsApp number, LINE user id …)." })
  externalUserId!: string;

  @Field(() => String, {
    nullable: true,
    description: "The end user's name on the channel, when it has one.",
  })
  displayName?: string | null;

  @Field({
    description:
      '1 to 10,000 characters after trimming; may be empty when attachmentIds names at least one upload.',
  })
  body!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "Accepted once per channel: the same end user's repeat returns the first result; another end user's is BAD_USER_INPUT.",
  })
  externalMessageId?: string | null;

  @Field(() => TicketPriority, { nullable: true, description: 'For a new ticket; NORMAL when omitted.' })
  priority?: TicketPriority | null;

  @Field(() => [String], { nullable: true, description: "Added to the channel's skills, for a new ticket." })
  requiredSkills?: string[] | null;

  @Field(() => [ID], {
    nullable: true,
    description:
      "Up to 10 of this integration's uploads (POST /uploads), attached to the message: each unused, and uploaded within " +
      'PARLEY_UPLOAD_ATTACH_WINDOW_SECONDS (1 h by default); otherwise BAD_USER_INPUT on input.attachmentIds and nothing is stored.',
  })
  attachmentIds?: string[] | null;
}

@ObjectType('ReceiveMessagePayload', { description: 'What receiveMessage did with the message.' })
export class ReceiveMessagePayload {
  @Field(() => MessageType, { description: 'The stored message.' })
  message!: MessageType;

  @Field(() => TicketType, { description: 'The ticket it belongs to, after the message.' })
  ticket!: TicketType;

  @Field({ description: 'The message started a new ticket.' })
  ticketCreated!: boolean;

  @Field({ description: 'The message reopened a SOLVED ticket.' })
  reopened!: boolean;

  @Field({
    description:
      'This externalMessageId was already received: this is the first result, and nothing changed.',
  })
  duplicate!: boolean;
}

@InputType('UpdateMessageDeliveryInput', {
  description: "A partner's delivery receipt for an agent's message on its channel.",
})
export class UpdateMessageDeliveryInput {
  @Field(() => ID, { description: "The agent's message (Message.id) the receipt is for." })
  messageId!: string;

  @Field(() => MessageDeliveryStatus, {
    description:
      'What happened to it. Statuses only move forward: one that does not (a late DELIVERED after READ) changes nothing.',
  })
  status!: MessageDeliveryStatus;

  @Field(() => String, {
    nullable: true,
    description:
      "The partner's own id for the message (trimmed, 1 to 255 characters), attached once: the same id again is fine, another one is BAD_USER_INPUT, as is an id another message of the channel has.",
  })
  externalMessageId?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Why it failed: required with FAILED (trimmed, 1 to 1,000 characters), refused with any other status.',
  })
  error?: string | null;
}
