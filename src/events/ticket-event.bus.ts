import { createPubSub, filter, pipe } from '@graphql-yoga/subscription';
import type { TicketChangeKind, TicketStatus } from '../domain/ticket/ticket.enums';
import type { MessageEntity } from '../entities/message.entity';
import type { TicketEntity } from '../entities/ticket.entity';

/** One committed change of one ticket, as subscribers receive it. */
export interface TicketChangeEvent {
  /** ticket_events.id: increases with commit order for a ticket. */
  readonly id: string;
  readonly kind: TicketChangeKind;
  readonly at: Date;
  /** The ticket's status and assignee right after this change (filters match on these). */
  readonly status: TicketStatus;
  readonly assigneeId: string | null;
  readonly ticketId: string;
  readonly channelId: string;
  readonly requesterId: string;
  /** The ticket as committed by the change's transaction. */
  readonly ticket: TicketEntity;
  readonly message: MessageEntity | null;
}

/**
 * The one publishing module: services hand it the events of a transaction after it commits, and
 * subscriptions read from it. The transport is in-process for now; a cross-process transport
 * (PostgreSQL LISTEN/NOTIFY) can replace it behind the same two methods without touching services.
 */
export interface TicketEventBus {
  publish(events: readonly TicketChangeEvent[]): void;
  /** Every change, optionally only those for which `accept` is true. */
  changes(accept?: (event: TicketChangeEvent) => boolean): AsyncIterable<TicketChangeEvent>;
  /** The MESSAGE_ADDED changes of one ticket. */
  messages(ticketId: string): AsyncIterable<TicketChangeEvent>;
}

export function createInProcessTicketEventBus(): TicketEventBus {
  const pubsub = createPubSub<{
    'ticket.changed': [TicketChangeEvent];
    'ticket.message': [ticketId: string, event: TicketChangeEvent];
  }>();
  return {
    publish(events) {
      for (const event of events) {
        pubsub.publish('ticket.changed', event);
        if (event.message) pubsub.publish('ticket.message', event.ticketId, event);
      }
    },
    changes(accept) {
      const all = pubsub.subscribe('ticket.changed');
      return accept ? pipe(all, filter(accept)) : all;
    },
    messages(ticketId) {
      return pubsub.subscribe('ticket.message', ticketId);
    },
  };
}
