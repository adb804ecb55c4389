import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { foldMetrics } from '../domain/ticket/ticket-metrics';
import type { TicketChange } from '../domain/ticket/ticket-transition';
import { type Actor, TicketChangeKind, type TicketStatus } from '../domain/ticket/ticket.enums';
import type { MessageEntity } from '../entities/message.entity';
import { TicketEventEntity } from '../entities/ticket-event.entity';
import { type TicketEntity } from '../entities/ticket.entity';
import type { TicketChangeEvent } from '../events/ticket-event.bus';
import { applyMetricsState, metricsStateOf } from './ticket-state';

interface Recorded {
  row: TicketEventEntity;
  ticket: TicketEntity;
  message: MessageEntity | null;
  status: TicketStatus;
  assigneeId: string | null;
}

/**
 * Writes a transaction's ticket changes to the event log (through that transaction's EntityManager),
 * folds them into the ticket's metrics, and publishes them once the transaction has committed. One
 * per transaction.
 */
export class TicketEventRecorder {
  private readonly recorded: Recorded[] = [];

  /**
   * `before` is the ticket's status and assignee before these changes (for a new ticket: its first
   * status), so each event carries the state right after it. The rows are persisted in `em`.
   */
  record(
    em: EntityManager,
    ticket: TicketEntity,
    before: { status: TicketStatus; assigneeId: string | null },
    changes: readonly TicketChange[],
    actor: Actor,
    at: Date,
    message: MessageEntity | null = null,
  ): void {
    for (const row of this.stage(ticket, before, changes, actor, at, message)) em.persist(row);
  }

  /** A message added to the ticket: one MESSAGE_ADDED event. */
  recordMessage(
    em: EntityManager,
    ticket: TicketEntity,
    message: MessageEntity,
    actor: Actor,
    at: Date,
  ): void {
    for (const row of this.stageMessage(ticket, message, actor, at)) em.persist(row);
  }

  /**
   * As record(), but the rows are left for the caller to insert (ingestion writes them in one
   * statement with the message and the ticket); it sets their ids before the commit.
   */
  stage(
    ticket: TicketEntity,
    before: { status: TicketStatus; assigneeId: string | null },
    changes: readonly TicketChange[],
    actor: Actor,
    at: Date,
    message: MessageEntity | null = null,
  ): TicketEventEntity[] {
    let { status, assigneeId } = before;
    let metrics = metricsStateOf(ticket);
    const rows: TicketEventEntity[] = [];
    for (const change of changes) {
      if (change.toStatus) status = change.toStatus;
      if (change.kind === TicketChangeKind.ASSIGNED) assigneeId = change.agentId ?? null;
      const authorType =
        change.kind === TicketChangeKind.MESSAGE_ADDED ? (message?.authorType ?? null) : null;
      const row = Object.assign(new TicketEventEntity(), {
        ticket: ref(ticket),
        kind: change.kind,
        fromStatus: change.fromStatus ?? null,
        toStatus: change.toStatus ?? null,
        agentId: change.agentId ?? null,
        message: change.kind === TicketChangeKind.MESSAGE_ADDED && message ? ref(message) : null,
        authorType,
        actorType: actor.type,
        actorId: actor.id ?? null,
        at,
      });
      metrics = foldMetrics(metrics, {
        kind: change.kind,
        at,
        toStatus: change.toStatus,
        agentId: change.agentId,
        authorType,
      });
      rows.push(row);
      this.recorded.push({
        row,
        ticket,
        message: change.kind === TicketChangeKind.MESSAGE_ADDED ? message : null,
        status,
        assigneeId,
      });
    }
    applyMetricsState(ticket, metrics);
    return rows;
  }

  /** stage() for a message added to the ticket. */
  stageMessage(ticket: TicketEntity, message: MessageEntity, actor: Actor, at: Date): TicketEventEntity[] {
    const state = { status: ticket.status, assigneeId: ticket.assignee?.id ?? null };
    return this.stage(ticket, state, [{ kind: TicketChangeKind.MESSAGE_ADDED }], actor, at, message);
  }

  /** Call after commit only: a rolled-back change must publish nothing. */
  /** The recorded changes as events (ids are known once the transaction has flushed). */
  events(): TicketChangeEvent[] {
    return this.recorded.map(toEvent);
  }
}

function toEvent({ row, ticket, message, status, assigneeId }: Recorded): TicketChangeEvent {
  return {
    id: row.id,
    kind: row.kind,
    at: row.at,
    status,
    assigneeId,
    agentId: row.agentId,
    ticketId: ticket.id,
    channelId: ticket.channel.id,
    requesterId: ticket.requester.id,
    ticket,
    message,
  };
}
