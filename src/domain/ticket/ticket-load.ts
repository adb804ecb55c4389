import { transferredAs, type TicketAction, type TicketChange, type TicketState } from './ticket-transition';
import { TicketChangeKind, TicketStatus } from './ticket.enums';

/** What of a ticket counts toward an agent's load (docs/domain.md "Capacity"). */
export type LoadFacts = Pick<TicketState, 'status' | 'assigneeId' | 'offeredToId'>;

/** The agents this ticket counts against: its assignee while OPEN, and the agent it is offered to. */
export function loadHolders(ticket: LoadFacts): string[] {
  const holders: string[] = [];
  if (ticket.status === TicketStatus.OPEN && ticket.assigneeId !== null) holders.push(ticket.assigneeId);
  if (ticket.offeredToId !== null) holders.push(ticket.offeredToId);
  return holders;
}

/**
 * Whether a change left some agent with less load than before (an OPEN ticket leaving OPEN or its
 * agent, an offer withdrawn): a waiting ticket may now fit. Accepting an offer moves the ticket
 * from offered to OPEN for the same agent, which frees nothing.
 */
export function freesCapacity(before: LoadFacts, after: LoadFacts): boolean {
  const remaining = loadHolders(after);
  return loadHolders(before).some((agentId) => {
    const index = remaining.indexOf(agentId);
    if (index === -1) return true;
    remaining.splice(index, 1);
    return false;
  });
}

/**
 * The agents whose load a recorded change moved, given the ticket's load facts right before it
 * (null for its first change) and right after: the holders on each side that the other side does
 * not match one for one. A message or a PENDING → ON_HOLD moves nobody's.
 */
export function loadMovedBy(before: LoadFacts | null, after: LoadFacts): string[] {
  const was = before === null ? [] : loadHolders(before);
  const is = loadHolders(after);
  const moved = new Set<string>();
  for (const agentId of new Set([...was, ...is])) {
    const count = (holders: string[]) => holders.filter((h) => h === agentId).length;
    if (count(was) !== count(is)) moved.add(agentId);
  }
  return [...moved];
}

/**
 * The agent a ticket is offered to right after one recorded change, from the one before: OFFERED
 * makes an offer; a decline, an expiry, a withdrawal (OFFER_DECLINED) or an assignment (an accept,
 * an admin's choice) ends it; a transfer replaces it with its own, if it made one; nothing else
 * touches it. The event log records it per change with this fold (and its migration backfilled
 * the old rows with the same rule in SQL).
 */
export function offeredToAfter(
  change: Pick<TicketChange, 'kind' | 'agentId' | 'toStatus'>,
  before: string | null,
): string | null {
  switch (change.kind) {
    case TicketChangeKind.OFFERED:
      return change.agentId ?? null;
    case TicketChangeKind.TRANSFERRED:
      return transferredAs(change) === 'OFFER' ? (change.agentId ?? null) : null;
    case TicketChangeKind.CREATED:
    case TicketChangeKind.OFFER_DECLINED:
    case TicketChangeKind.OFFER_EXPIRED:
    case TicketChangeKind.ASSIGNED:
      return null;
    default:
      return before;
  }
}

/** The agent a recorded change gives the ticket to: an assignment (ASSIGNED, a transfer that assigns). */
export function assignedTo(change: Pick<TicketChange, 'kind' | 'agentId' | 'toStatus'>): string | null {
  if (change.kind === TicketChangeKind.ASSIGNED) return change.agentId ?? null;
  if (change.kind === TicketChangeKind.TRANSFERRED && transferredAs(change) === 'ASSIGNMENT') {
    return change.agentId ?? null;
  }
  return null;
}

/**
 * The ticket's assignee right after one recorded change, from the one before: ASSIGNED names it
 * (or nobody); a transfer leaves its agent as assignee only when it assigned, else nobody; nothing
 * else touches it.
 */
export function assigneeAfter(
  change: Pick<TicketChange, 'kind' | 'agentId' | 'toStatus'>,
  before: string | null,
): string | null {
  switch (change.kind) {
    case TicketChangeKind.ASSIGNED:
    case TicketChangeKind.TRANSFERRED:
      return assignedTo(change);
    default:
      return before;
  }
}

/** The offer a change made, if it made one: its expiry has to be scheduled. */
export function newOffer(
  before: Pick<TicketState, 'offeredToId' | 'offerExpiresAt'>,
  after: Pick<TicketState, 'offeredToId' | 'offerExpiresAt'>,
): { agentId: string; expiresAt: Date } | null {
  if (after.offeredToId === null || after.offerExpiresAt === null) return null;
  if (
    before.offeredToId === after.offeredToId &&
    before.offerExpiresAt?.getTime() === after.offerExpiresAt.getTime()
  ) {
    return null;
  }
  return { agentId: after.offeredToId, expiresAt: after.offerExpiresAt };
}

/**
 * Whether transition() needs the assignee's status for this action: only a change that can bring
 * the ticket back to its assignee (a status set by an agent or admin, an end user's message) reads
 * it. The service then locks the assignee's row, so routing cannot count a load this change raises.
 */
export function actionReadsAssignee(action: TicketAction): boolean {
  return action.type === 'SET_STATUS' || action.type === 'END_USER_MESSAGE';
}
