import { matchesChange, type ChangeFilter, type ChangeHeader } from '../stream/change-filter';
import type { TicketChangeKind } from '../ticket/ticket.enums';

/** What an endpoint asked for: its channel (null: every channel's, admin-made) and kinds (empty: all). */
export interface EndpointScope {
  readonly channelId: string | null;
  readonly kinds: readonly TicketChangeKind[];
}

/**
 * The changes an endpoint receives, as a stream filter: the dispatcher applies it to every change
 * it reads (endpointReceives, through matchesChange; readRange's SQL twin would read the same), so
 * which changes become deliveries is decided here alone.
 *
 * This is also the one place that decides what of the stream may leave Parley for a partner.
 * Internal notes (docs/domain.md "Internal notes") are never delivered, to any endpoint, an admin's
 * included: a webhook reaches outside, where notes never go.
 */
export function webhookChangeFilter(endpoint: EndpointScope): ChangeFilter {
  return {
    visibleChannelId: endpoint.channelId?.toLowerCase() ?? null,
    internalNotes: false,
    kinds: endpoint.kinds.length > 0 ? endpoint.kinds : null,
    statuses: null,
    assigneeId: null,
    offeredToId: null,
    channelId: null,
    requesterId: null,
    agentId: null,
    ticketId: null,
  };
}

/** Whether `change` becomes a delivery to this endpoint. */
export function endpointReceives(endpoint: EndpointScope, change: ChangeHeader): boolean {
  return matchesChange(change, webhookChangeFilter(endpoint));
}
