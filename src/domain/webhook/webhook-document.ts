import type { ChannelKind } from '../channel/channel.rules';
import { encodeStreamCursor, type StreamPosition } from '../stream/stream-position';
import type { AuthorType, TicketChangeKind, TicketPriority, TicketStatus } from '../ticket/ticket.enums';

/**
 * A change as loaded for a delivery (services/webhooks/webhook-delivery.store.ts). What of the
 * stream may be delivered at all is decided before this, by webhookChangeFilter()
 * (webhook-match.ts): a change that reaches this point is one the endpoint may see.
 */
export interface WebhookChange {
  readonly position: StreamPosition;
  readonly kind: TicketChangeKind;
  readonly at: Date;
  readonly ticket: {
    readonly id: string;
    /** Right after the change, as the log recorded it (a retry hours later still says what it was). */
    readonly status: TicketStatus;
    readonly priority: TicketPriority;
    readonly createdAt: Date;
    readonly channel: { readonly id: string; readonly kind: ChannelKind; readonly name: string };
    readonly requester: {
      readonly id: string;
      readonly externalId: string;
      readonly displayName: string | null;
    };
    /** Right after the change, as the log recorded it. */
    readonly assignee: { readonly id: string; readonly name: string } | null;
  };
  readonly message: {
    readonly id: string;
    readonly sequence: number;
    readonly authorType: AuthorType;
    readonly body: string;
    readonly externalId: string | null;
    readonly clientMessageId: string | null;
    readonly createdAt: Date;
  } | null;
}

/** The JSON document POSTed to an endpoint (docs/domain.md "Outbound delivery to partners"). */
export interface WebhookDocument {
  /** The change's cursor: also Parley-Event-Id, and an `after` for ticketChanges. */
  id: string;
  kind: TicketChangeKind;
  at: string;
  ticket: {
    id: string;
    status: TicketStatus;
    priority: TicketPriority;
    channel: { id: string; kind: ChannelKind; name: string };
    requester: { id: string; externalId: string; displayName: string | null };
    assignee: { id: string; name: string } | null;
    createdAt: string;
  };
  message: {
    id: string;
    sequence: number;
    authorType: AuthorType;
    body: string;
    externalId: string | null;
    clientMessageId: string | null;
    createdAt: string;
    /** Always empty until messages carry attachments (their links will be listed here). */
    attachments: never[];
  } | null;
}

/** The event id a receiver deduplicates by: the change's cursor, the same on every attempt. */
export function webhookEventId(position: StreamPosition): string {
  return encodeStreamCursor(position);
}

export function webhookDocument(change: WebhookChange): WebhookDocument {
  const { ticket, message } = change;
  return {
    id: webhookEventId(change.position),
    kind: change.kind,
    at: change.at.toISOString(),
    ticket: {
      id: ticket.id,
      status: ticket.status,
      priority: ticket.priority,
      channel: { id: ticket.channel.id, kind: ticket.channel.kind, name: ticket.channel.name },
      requester: {
        id: ticket.requester.id,
        externalId: ticket.requester.externalId,
        displayName: ticket.requester.displayName,
      },
      assignee: ticket.assignee ? { id: ticket.assignee.id, name: ticket.assignee.name } : null,
      createdAt: ticket.createdAt.toISOString(),
    },
    message: message
      ? {
          id: message.id,
          sequence: message.sequence,
          authorType: message.authorType,
          body: message.body,
          externalId: message.externalId,
          clientMessageId: message.clientMessageId,
          createdAt: message.createdAt.toISOString(),
          attachments: [],
        }
      : null,
  };
}

/** The raw body: what is signed is exactly what is sent. */
export function webhookBody(change: WebhookChange): string {
  return JSON.stringify(webhookDocument(change));
}
