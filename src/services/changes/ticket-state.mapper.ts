import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MetricsState } from '../../domain/ticket/ticket-metrics';
import type { TicketState } from '../../domain/ticket/ticket-transition';
import { TicketStatus } from '../../domain/ticket/ticket.enums';
import { AgentEntity } from '../../entities/agent.entity';
import type { ConversationStyleEntity } from '../../entities/conversation-style.entity';
import type { TicketEntity } from '../../entities/ticket.entity';

/**
 * Between the ticket row and the domain's plain data: services read a TicketState for transition()
 * and write its result back, and likewise for the metrics fold.
 */
export function ticketStateOf(
  ticket: TicketEntity,
  style: Pick<ConversationStyleEntity, 'kind' | 'closeAfterSolvedSeconds'>,
  assignee: Pick<AgentEntity, 'status'> | null,
): TicketState {
  return {
    status: ticket.status,
    assigneeId: ticket.assignee?.id ?? null,
    assigneeStatus: assignee?.status ?? null,
    styleKind: style.kind,
    closeAfterSolvedSeconds: style.closeAfterSolvedSeconds,
    solvedAt: ticket.solvedAt,
    closesAt: ticket.closesAt,
    closedAt: ticket.closedAt,
    reopenCount: ticket.reopenCount,
    offeredToId: ticket.offeredTo?.id ?? null,
    offerExpiresAt: ticket.offerExpiresAt,
  };
}

export function applyTicketState(
  ticket: TicketEntity,
  next: TicketState,
  now: Date,
  keepsQueuePlace = false,
): void {
  // Entering the queue starts the wait (a new ticket's starts at creation); a re-route after a
  // decline or a missed offer keeps the ticket's place, as does a transfer (keepsQueuePlace).
  if (next.status === TicketStatus.NEW && ticket.status !== TicketStatus.NEW && !keepsQueuePlace) {
    ticket.waitingSince = now;
  }
  ticket.status = next.status;
  if ((ticket.assignee?.id ?? null) !== next.assigneeId) {
    ticket.assignee = next.assigneeId === null ? null : ref(AgentEntity, next.assigneeId);
  }
  if ((ticket.offeredTo?.id ?? null) !== next.offeredToId) {
    ticket.offeredTo = next.offeredToId === null ? null : ref(AgentEntity, next.offeredToId);
  }
  ticket.offerExpiresAt = next.offerExpiresAt;
  ticket.solvedAt = next.solvedAt;
  ticket.closesAt = next.closesAt;
  ticket.closedAt = next.closedAt;
  ticket.reopenCount = next.reopenCount;
  ticket.updatedAt = now;
}

export function metricsStateOf(ticket: TicketEntity): MetricsState {
  return {
    createdAt: ticket.createdAt,
    firstEndUserMessageAt: ticket.firstEndUserMessageAt,
    firstAgentReplyAt: ticket.firstAgentReplyAt,
    lastSolvedAt: ticket.lastSolvedAt,
    openSince: ticket.openSince,
    handleMs: ticket.handleMs,
    reopenCount: ticket.reopenCount,
    assignmentCount: ticket.assignmentCount,
  };
}

export function applyMetricsState(ticket: TicketEntity, state: MetricsState): void {
  ticket.firstEndUserMessageAt = state.firstEndUserMessageAt;
  ticket.firstAgentReplyAt = state.firstAgentReplyAt;
  ticket.lastSolvedAt = state.lastSolvedAt;
  ticket.openSince = state.openSince;
  ticket.handleMs = state.handleMs;
  ticket.assignmentCount = state.assignmentCount;
}

/**
 * The ticket's assignee, for transition(). When the change can bring the ticket back to OPEN (it is
 * PENDING, ON_HOLD or SOLVED) the agent's row is locked FOR SHARE, so a routing run (which locks the
 * agents whose load it counts) cannot offer against a load this change is about to raise.
 */
export async function loadAssignee(em: EntityManager, ticket: TicketEntity): Promise<AgentEntity | null> {
  if (!ticket.assignee) return null;
  return em.findOne(
    AgentEntity,
    { id: ticket.assignee.id },
    assigneeMayGainLoad(ticket) ? { lockMode: LockMode.PESSIMISTIC_READ } : {},
  );
}

/** Whether a change to this ticket can bring it back to OPEN, raising its assignee's load. */
export function assigneeMayGainLoad(ticket: TicketEntity): boolean {
  return (
    ticket.assignee !== null && ticket.status !== TicketStatus.OPEN && ticket.status !== TicketStatus.NEW
  );
}
