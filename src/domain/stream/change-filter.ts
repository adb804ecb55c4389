import type { Principal } from '../auth/principal';
import { seesInternalNotes } from '../auth/visibility';
import { TicketChangeKind, type TicketStatus } from '../ticket/ticket.enums';

/** What the log records of every change: all a filter may look at. */
export interface ChangeHeader {
  readonly kind: TicketChangeKind;
  /** The agent the change is about: offered to, declined or missed by, assigned to. */
  readonly agentId: string | null;
  /** The ticket's status and assignee right after the change. */
  readonly status: TicketStatus;
  readonly assigneeId: string | null;
  /** The agent the ticket is offered to right after the change (while an offer stands). */
  readonly offeredToId: string | null;
  /** …and right before it (null for a ticket's first change, which has no before). */
  readonly previousStatus: TicketStatus | null;
  readonly previousAssigneeId: string | null;
  readonly previousOfferedToId: string | null;
  readonly ticketId: string;
  readonly channelId: string;
  readonly requesterId: string;
  /** The change carries an internal note (docs/domain.md "Internal notes"). */
  readonly internal: boolean;
}

/** The filter a client asks for (the contract's TicketFilter); ids in any case. */
export interface RequestedChangeFilter {
  readonly statuses?: readonly TicketStatus[] | null;
  readonly assigneeId?: string | null;
  readonly offeredToId?: string | null;
  readonly channelId?: string | null;
  readonly requesterId?: string | null;
}

/**
 * Which changes one reader receives: what it asked for, narrowed by what it may see. Every reader
 * of the stream — live subscriptions, their replay, catch-up reads — is given one of these, and
 * the only ways to apply it are matchesChange() here and its SQL translation in the log store, so
 * visibility is decided in this file alone.
 */
export interface ChangeFilter {
  /** Visibility: an integration sees its own channel's changes only… */
  readonly visibleChannelId: string | null;
  /** …and no change carrying an internal note (nor does any webhook). */
  readonly internalNotes: boolean;
  readonly statuses: readonly TicketStatus[] | null;
  readonly assigneeId: string | null;
  /** The agent the ticket is offered to (an agent's console finds its open offers). */
  readonly offeredToId: string | null;
  readonly channelId: string | null;
  readonly requesterId: string | null;
  /** The agent the change is about, or whose ticket or offer it takes away (assignments). */
  readonly agentId: string | null;
  readonly kinds: readonly TicketChangeKind[] | null;
  readonly ticketId: string | null;
}

/** The changes that concern one agent's desk: offers, assignments, transfers (the `assignments` feed). */
export const ASSIGNMENT_KINDS: readonly TicketChangeKind[] = [
  TicketChangeKind.OFFERED,
  TicketChangeKind.OFFER_DECLINED,
  TicketChangeKind.OFFER_EXPIRED,
  TicketChangeKind.ASSIGNED,
  TicketChangeKind.TRANSFERRED,
];

const NOTHING_MORE: Omit<ChangeFilter, 'visibleChannelId' | 'internalNotes'> = {
  statuses: null,
  assigneeId: null,
  offeredToId: null,
  channelId: null,
  requesterId: null,
  agentId: null,
  kinds: null,
  ticketId: null,
};

/**
 * docs/domain.md "Who may do what": integrations see their channel; agents and admins every ticket,
 * and internal notes (domain/auth/visibility.ts).
 */
function visibilityOf(principal: Principal): Pick<ChangeFilter, 'visibleChannelId' | 'internalNotes'> {
  return {
    visibleChannelId: principal.role === 'INTEGRATION' ? principal.channelId : null,
    internalNotes: seesInternalNotes(principal),
  };
}

/** `ticketChanged` and `ticketChanges`: the ticket filter, as this caller may see it. */
export function ticketChangeFilter(
  principal: Principal,
  requested: RequestedChangeFilter | null,
): ChangeFilter {
  return {
    ...NOTHING_MORE,
    ...visibilityOf(principal),
    statuses: requested?.statuses ?? null,
    assigneeId: requested?.assigneeId?.toLowerCase() ?? null,
    offeredToId: requested?.offeredToId?.toLowerCase() ?? null,
    channelId: requested?.channelId?.toLowerCase() ?? null,
    requesterId: requested?.requesterId?.toLowerCase() ?? null,
  };
}

/** `assignments`: one agent's offers and assignments (who may ask is the resolver's check). */
export function assignmentFilter(principal: Principal, agentId: string): ChangeFilter {
  return {
    ...NOTHING_MORE,
    ...visibilityOf(principal),
    agentId: agentId.toLowerCase(),
    kinds: ASSIGNMENT_KINDS,
  };
}

/** `messageAdded`: one ticket's messages (the ticket's visibility is checked when subscribing). */
export function messageFilter(principal: Principal, ticketId: string): ChangeFilter {
  return {
    ...NOTHING_MORE,
    ...visibilityOf(principal),
    ticketId: ticketId.toLowerCase(),
    kinds: [TicketChangeKind.MESSAGE_ADDED],
  };
}

/**
 * A ticket filter's status, assignee and offered-to agent match the ticket before or after the
 * change, so a reader sees a ticket leave what it watches (reassigned away, moved out of a status,
 * an offer declined, expired or accepted) as well as enter it.
 */
export function matchesChange(change: ChangeHeader, filter: ChangeFilter): boolean {
  if (filter.visibleChannelId !== null && change.channelId !== filter.visibleChannelId) return false;
  if (change.internal && !filter.internalNotes) return false;
  if (filter.channelId !== null && change.channelId !== filter.channelId) return false;
  if (filter.requesterId !== null && change.requesterId !== filter.requesterId) return false;
  if (filter.kinds !== null && !filter.kinds.includes(change.kind)) return false;
  if (filter.ticketId !== null && change.ticketId !== filter.ticketId) return false;
  // An offer taken away names its agent, except a transfer's (its agent is the new one).
  if (
    filter.agentId !== null &&
    change.agentId !== filter.agentId &&
    change.previousAssigneeId !== filter.agentId &&
    change.previousOfferedToId !== filter.agentId
  ) {
    return false;
  }
  return (
    stateMatches(change.status, change.assigneeId, change.offeredToId, filter) ||
    (change.previousStatus !== null &&
      stateMatches(change.previousStatus, change.previousAssigneeId, change.previousOfferedToId, filter))
  );
}

function stateMatches(
  status: TicketStatus,
  assigneeId: string | null,
  offeredToId: string | null,
  filter: ChangeFilter,
): boolean {
  if (filter.statuses !== null && !filter.statuses.includes(status)) return false;
  if (filter.assigneeId !== null && assigneeId !== filter.assigneeId) return false;
  return filter.offeredToId === null || offeredToId === filter.offeredToId;
}
