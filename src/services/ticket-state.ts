import { ref } from '@mikro-orm/core';
import { initialMetrics, type MetricsState } from '../domain/ticket/ticket-metrics';
import type { TicketState } from '../domain/ticket/ticket-transition';
import { AgentEntity } from '../entities/agent.entity';
import type { ConversationStyleEntity } from '../entities/conversation-style.entity';
import type { TicketEntity } from '../entities/ticket.entity';

/**
 * Between the ticket row and the domain's plain data: services read a TicketState for transition()
 * and write its result back, and likewise for the metrics fold.
 */
export function ticketStateOf(
  ticket: TicketEntity,
  style: ConversationStyleEntity,
  assignee: AgentEntity | null,
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
  };
}

export function applyTicketState(ticket: TicketEntity, next: TicketState, now: Date): void {
  ticket.status = next.status;
  if ((ticket.assignee?.id ?? null) !== next.assigneeId) {
    ticket.assignee = next.assigneeId === null ? null : ref(AgentEntity, next.assigneeId);
  }
  ticket.solvedAt = next.solvedAt;
  ticket.closesAt = next.closesAt;
  ticket.closedAt = next.closedAt;
  ticket.reopenCount = next.reopenCount;
  ticket.updatedAt = now;
}

export function metricsStateOf(ticket: TicketEntity): MetricsState {
  return {
    ...initialMetrics(ticket.createdAt),
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
