import { ref } from '@mikro-orm/core';
import { assigneeAfter, offeredToAfter } from '../../domain/ticket/ticket-load';
import { affectsSla, foldReplyOwed, rematchesPolicy } from '../../domain/sla/sla.rules';
import { foldMetrics } from '../../domain/ticket/ticket-metrics';
import type { TicketChange } from '../../domain/ticket/ticket-transition';
import { type Actor, TicketChangeKind, type TicketStatus } from '../../domain/ticket/ticket.enums';
import type { MessageEntity } from '../../entities/message.entity';
import { TicketEventEntity } from '../../entities/ticket-event.entity';
import type { TicketEntity } from '../../entities/ticket.entity';
import { applyMetricsState, metricsStateOf } from './ticket-state.mapper';

/**
 * A transaction's ticket changes as event-log rows, each with the ticket's state right after it,
 * folded into each ticket's metrics as they are staged. The rows are written by whoever owns the
 * transaction, through the log store's one insert (ChangeTransaction writes them; ingestion puts
 * them in its own statement). One per transaction attempt.
 */
export class TicketEventRecorder {
  private staged = 0;
  private unwritten: TicketEventEntity[] = [];
  /** Tickets whose SLA due times these changes may move; true: their policy is matched afresh. */
  private slaTouched = new Map<TicketEntity, boolean>();

  /**
   * `before` is the ticket's status, assignee and offered-to agent before these changes (for a new
   * ticket: its first status), so each event carries the state right before and after it.
   */
  stage(
    ticket: TicketEntity,
    before: { status: TicketStatus; assigneeId: string | null; offeredToId: string | null },
    changes: readonly TicketChange[],
    actor: Actor,
    at: Date,
    message: MessageEntity | null = null,
  ): void {
    let { status, assigneeId, offeredToId } = before;
    let metrics = metricsStateOf(ticket);
    for (const change of changes) {
      // A new ticket's first change has no state before it.
      const previousStatus = change.kind === TicketChangeKind.CREATED ? null : status;
      const previousAssigneeId = assigneeId;
      const previousOfferedToId = offeredToId;
      if (change.toStatus) status = change.toStatus;
      assigneeId = assigneeAfter(change, assigneeId);
      offeredToId = offeredToAfter(change, offeredToId);
      // A receipt's change carries its message too (TicketChange.message), but only an added
      // message has an author for the metrics: a receipt is no reply.
      const carriesMessage =
        change.kind === TicketChangeKind.MESSAGE_ADDED || change.kind === TicketChangeKind.MESSAGE_UPDATED;
      const authorType =
        change.kind === TicketChangeKind.MESSAGE_ADDED ? (message?.authorType ?? null) : null;
      const internal = carriesMessage && message !== null && message.internal;
      const row = Object.assign(new TicketEventEntity(), {
        ticket: ref(ticket),
        kind: change.kind,
        fromStatus: change.fromStatus ?? null,
        toStatus: change.toStatus ?? null,
        agentId: change.agentId ?? null,
        message: carriesMessage && message ? ref(message) : null,
        authorType,
        actorType: actor.type,
        actorId: actor.id ?? null,
        at,
        status,
        assigneeId,
        offeredToId,
        previousStatus,
        previousAssigneeId,
        previousOfferedToId,
        channelId: ticket.channel.id,
        requesterId: ticket.requester.id,
        internal,
      });
      const event = {
        kind: change.kind,
        at,
        toStatus: change.toStatus,
        agentId: change.agentId,
        authorType,
        internal,
      };
      metrics = foldMetrics(metrics, event);
      ticket.replyOwedSince = foldReplyOwed(ticket.replyOwedSince, event);
      if (affectsSla({ ...event, fromStatus: change.fromStatus })) {
        const rematch = rematchesPolicy(change.kind) || (this.slaTouched.get(ticket) ?? false);
        this.slaTouched.set(ticket, rematch);
      }
      this.unwritten.push(row);
      this.staged++;
    }
    applyMetricsState(ticket, metrics);
  }

  /** The rows staged since the last call, for the caller to write. */
  takeUnwritten(): TicketEventEntity[] {
    const rows = this.unwritten;
    this.unwritten = [];
    return rows;
  }

  /** The tickets staged since the last call whose due times may have moved (docs/domain.md "SLA"). */
  takeSlaTouched(): Map<TicketEntity, boolean> {
    const touched = this.slaTouched;
    this.slaTouched = new Map();
    return touched;
  }

  /** Whether this transaction records any change (its commit then has something to announce). */
  recordedAny(): boolean {
    return this.staged > 0;
  }
}
