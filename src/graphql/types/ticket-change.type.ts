import { Field, ObjectType } from 'type-graphql';
import type { TicketChangeEvent } from '../../events/ticket-event.bus';
import { TicketChangeKind, TicketStatus } from '../enums';
import { PageInfo } from './connection.type';
import { MessageType } from './message.type';
import { TicketType } from './ticket.type';

/** The `after` argument of the change subscriptions. */
export const AFTER_DESCRIPTION =
  'A `TicketChange.cursor`: first replay the matching changes committed after it, then go on live, with no gap and no duplicate.';

@ObjectType('TicketChange', { description: 'One committed change of a ticket.' })
export class TicketChangeType {
  @Field(() => TicketChangeKind, { description: 'What happened.' })
  kind!: TicketChangeKind;

  @Field(() => TicketType, { description: 'The ticket as it is when the change is delivered.' })
  ticket!: TicketType;

  @Field(() => MessageType, {
    nullable: true,
    description:
      'The message, for MESSAGE_ADDED and MESSAGE_UPDATED, as it is when the change is delivered (its deliveryStatus included).',
  })
  message!: MessageType | null;

  @Field({ description: 'When it happened.' })
  at!: Date;

  @Field({
    description:
      'Opaque position of this change in the stream: `after: cursor` (ticketChanged, assignments, ticketChanges) resumes right after it.',
  })
  cursor!: string;

  @Field(() => TicketStatus, {
    nullable: true,
    description:
      "The ticket's status right before this change (none for its first). A filtered subscriber also gets the change that takes a ticket out of its filter.",
  })
  previousStatus!: TicketStatus | null;

  /** Resolved to `previousAssignee` (ticket-change.resolver.ts). */
  previousAssigneeId!: string | null;

  static from(event: TicketChangeEvent): TicketChangeType {
    return Object.assign(new TicketChangeType(), {
      kind: event.kind,
      at: event.at,
      cursor: event.cursor,
      previousStatus: event.previousStatus,
      previousAssigneeId: event.previousAssigneeId,
      ticket: TicketType.from(event.ticket),
      message: event.message ? MessageType.from(event.message) : null,
    });
  }
}

@ObjectType('TicketChangeEdge', { description: 'One change in a page.' })
export class TicketChangeEdge {
  @Field({ description: 'The change’s `cursor`: pass as `after` to read on from it.' })
  cursor!: string;

  @Field(() => TicketChangeType, { description: 'The change.' })
  node!: TicketChangeType;
}

@ObjectType('TicketChangeConnection', { description: 'A page of the change log, oldest first.' })
export class TicketChangeConnection {
  @Field(() => [TicketChangeEdge], { description: 'The changes of this page, in stream order.' })
  edges!: TicketChangeEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits in the log; page on from `endCursor`.' })
  pageInfo!: PageInfo;
}
