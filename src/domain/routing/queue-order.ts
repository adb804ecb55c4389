import { TicketChangeKind, TicketPriority } from '../ticket/ticket.enums';

/**
 * The queue order, defined here once: the most urgent first, then the longest waiting, then the
 * lowest id so that the order is total. The routing store turns the same list into its ORDER BY
 * and its keyset condition; compareQueued() is the same order in memory.
 */
export type QueueKey = 'priority' | 'waitingSince' | 'id';

export interface QueueOrderTerm {
  readonly key: QueueKey;
  /** For priority, "desc" means by urgency: TicketPriority (and the database enum built from it) runs LOW → URGENT. */
  readonly direction: 'asc' | 'desc';
}

export const QUEUE_ORDER: readonly QueueOrderTerm[] = [
  { key: 'priority', direction: 'desc' },
  { key: 'waitingSince', direction: 'asc' },
  { key: 'id', direction: 'asc' },
];

export interface QueuedTicket {
  readonly id: string;
  readonly priority: TicketPriority;
  readonly waitingSince: Date;
}

/** Urgency as declared: LOW 0 … URGENT 3 (the database enum sorts the same way). */
const URGENCY: ReadonlyMap<TicketPriority, number> = new Map(
  Object.values(TicketPriority).map((priority, index) => [priority, index]),
);

/** A priority's place in the queue: 0 for URGENT. */
export const PRIORITY_RANK: Readonly<Record<TicketPriority, number>> = Object.fromEntries(
  Object.values(TicketPriority).map((p) => [p, URGENCY.size - 1 - URGENCY.get(p)!]),
) as Record<TicketPriority, number>;

function valueOf(ticket: QueuedTicket, key: QueueKey): number | string {
  switch (key) {
    case 'priority':
      return URGENCY.get(ticket.priority)!;
    case 'waitingSince':
      return ticket.waitingSince.getTime();
    case 'id':
      return ticket.id;
  }
}

export function compareQueued(a: QueuedTicket, b: QueuedTicket): number {
  for (const { key, direction } of QUEUE_ORDER) {
    const x = valueOf(a, key);
    const y = valueOf(b, key);
    if (x === y) continue;
    const ascending = x < y ? -1 : 1;
    return direction === 'asc' ? ascending : -ascending;
  }
  return 0;
}

/**
 * Whether a ticket these changes put back in the queue keeps its place there: a transfer does (its
 * waiting time goes on from when it first waited, docs/domain.md "Transfer"); any other return
 * (an admin's reassignment to nobody, a reopen for an OFFLINE assignee) starts the wait afresh.
 */
export function keepsQueuePlace(changes: readonly { readonly kind: TicketChangeKind }[]): boolean {
  return changes.some((change) => change.kind === TicketChangeKind.TRANSFERRED);
}
