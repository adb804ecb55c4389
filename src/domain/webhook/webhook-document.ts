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
    /** Its attachments, oldest upload first, as they are when the delivery is sent. */
    readonly attachments: readonly WebhookAttachment[];
  } | null;
}

/** An attachment as a delivery lists it (Attachment's fields but the link). */
export interface WebhookAttachment {
  readonly id: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
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
    /** With a link signed when the delivery is sent, valid for PARLEY_ATTACHMENT_LINK_TTL_SECONDS. */
    attachments: (WebhookAttachment & { url: string })[];
  } | null;
}

/** The event id a receiver deduplicates by: the change's cursor, the same on every attempt. */
export function webhookEventId(position: StreamPosition): string {
  return encodeStreamCursor(position);
}

/** `attachmentUrl` signs each attachment's link at send time (a retry carries a fresh one). */
export function webhookDocument(
  change: WebhookChange,
  attachmentUrl: (attachmentId: string) => string,
): WebhookDocument {
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
          attachments: message.attachments.map((a) => ({
            id: a.id,
            fileName: a.fileName,
            contentType: a.contentType,
            size: a.size,
            url: attachmentUrl(a.id),
          })),
        }
      : null,
  };
}

/** The raw body: what is signed is exactly what is sent. */
export function webhookBody(change: WebhookChange, attachmentUrl: (attachmentId: string) => string): string {
  return JSON.stringify(webhookDocument(change, attachmentUrl));
}
