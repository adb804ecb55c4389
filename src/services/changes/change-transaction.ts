import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgentStatus } from '../../domain/agent/agent.rules';
import { DomainError } from '../../domain/errors';
import { nextSlaCheck, type SlaPolicyData, type SlaTarget } from '../../domain/sla/sla.rules';
import { keepsQueuePlace } from '../../domain/routing/queue-order';
import { actionReadsAssignee, assignedTo, freesCapacity, newOffer } from '../../domain/ticket/ticket-load';
import {
  transition,
  type TicketAction,
  type TicketEffect,
  type TransitionRefusal,
  type TransitionResult,
} from '../../domain/ticket/ticket-transition';
import { type Actor, SYSTEM_ACTOR, TicketChangeKind, TicketStatus } from '../../domain/ticket/ticket.enums';
import { AgentEntity } from '../../entities/agent.entity';
import { ConversationStyleEntity } from '../../entities/conversation-style.entity';
import type { MessageEntity } from '../../entities/message.entity';
import type { TicketEventEntity } from '../../entities/ticket-event.entity';
import { TicketEntity } from '../../entities/ticket.entity';
import { writeEvents } from '../../events/event-log.store';
import { presenceAfterStatusChange } from '../presence/presence.service';
import { loadSlaPolicies } from '../sla/sla-policy.store';
import { dueTimesOf, settleTicketSla } from '../sla/ticket-sla.mapper';
import type { AfterCommitEffect } from './after-commit';
import { TicketEventRecorder } from './ticket-event.recorder';
import { applyTicketState, loadAssignee, ticketStateOf } from './ticket-state.mapper';

/** What transition() reads besides the ticket; loaded in the transaction when not given. */
export interface DecisionFacts {
  style: Pick<ConversationStyleEntity, 'kind' | 'closeAfterSolvedSeconds'>;
  assignee: Pick<AgentEntity, 'status'> | null;
}

/**
 * One transaction's ticket changes, on the one path every change takes: decide (transition() on
 * the ticket as locked here), apply and record (state onto the row, events into the log, metrics
 * folded, the effects that belong inside the transaction carried out), and state what must follow
 * the commit. ChangeRunner makes one per transaction attempt, writes it, commits it, publishes its
 * events and hands its after-commit effects to AfterCommit.
 */
export class ChangeTransaction {
  private readonly recorder = new TicketEventRecorder();
  private readonly effects: AfterCommitEffect[] = [];
  /** Agents given a ticket in this transaction, and when: routing ranks by the latest. */
  private readonly assignedAgents = new Map<string, Date>();

  constructor(readonly tx: EntityManager) {}

  /** transition() for a ticket locked in this transaction. */
  async decide(
    ticket: TicketEntity,
    action: TicketAction,
    actor: Actor,
    now: Date,
    facts: Partial<DecisionFacts> = {},
  ): Promise<TransitionResult | TransitionRefusal> {
    const style =
      facts.style ?? (await this.tx.findOneOrFail(ConversationStyleEntity, { id: ticket.style.id }));
    let assignee = facts.assignee;
    if (assignee === undefined) {
      assignee = actionReadsAssignee(action) ? await loadAssignee(this.tx, ticket) : null;
    }
    return transition(ticketStateOf(ticket, style, assignee), action, actor, now);
  }

  /** decide() and apply(); a refusal is thrown as the DomainError it names. */
  async change(
    ticket: TicketEntity,
    action: TicketAction,
    actor: Actor,
    now: Date,
    facts: Partial<DecisionFacts> = {},
  ): Promise<TransitionResult> {
    const result = await this.decide(ticket, action, actor, now, facts);
    if (!result.ok) throw new DomainError(result.code, result.reason, result.field);
    await this.apply(ticket, result, actor, now);
    return result;
  }

  /**
   * decide() and apply() for the system's own changes (jobs, routing, withdrawals), which may find
   * the moment has passed: a refusal changes nothing and returns false, so a duplicate or stale run
   * is a no-op.
   */
  async tryChange(ticket: TicketEntity, action: TicketAction, actor: Actor, now: Date): Promise<boolean> {
    const result = await this.decide(ticket, action, actor, now);
    if (!result.ok) return false;
    await this.apply(ticket, result, actor, now);
    return true;
  }

  /**
   * Applies a decided transition to the ticket and records it. Effects that belong in the
   * transaction are carried out here; the rest, and what the change implies for routing and the
   * scheduler, wait for the commit.
   */
  async apply(ticket: TicketEntity, result: TransitionResult, actor: Actor, now: Date): Promise<void> {
    const before = {
      status: ticket.status,
      assigneeId: ticket.assignee?.id ?? null,
      offeredToId: ticket.offeredTo?.id ?? null,
      offerExpiresAt: ticket.offerExpiresAt,
    };
    applyTicketState(ticket, result.next, now, result.keepsQueuePlace ?? keepsQueuePlace(result.changes));
    this.recorder.stage(ticket, before, result.changes, actor, now);
    for (const change of result.changes) {
      const agentId = assignedTo(change);
      if (agentId) this.assignedAgents.set(agentId, now);
    }
    if (freesCapacity(before, result.next)) this.after({ type: 'ROUTE' });
    const offer = newOffer(before, result.next);
    if (offer) {
      this.after({
        type: 'SCHEDULE_OFFER_EXPIRY',
        ticketId: ticket.id,
        agentId: offer.agentId,
        at: offer.expiresAt,
      });
    }
    for (const effect of result.effects) await this.carryOut(ticket, effect, now);
  }

  /** A ticket created in this transaction: it waits for routing. */
  created(ticket: TicketEntity, actor: Actor, now: Date): void {
    this.recorder.stage(
      ticket,
      { status: TicketStatus.NEW, assigneeId: null, offeredToId: null },
      [{ kind: TicketChangeKind.CREATED, toStatus: TicketStatus.NEW }],
      actor,
      now,
    );
    this.after({ type: 'ROUTE' });
  }

  /** A message added to the ticket: one MESSAGE_ADDED change. */
  messageAdded(ticket: TicketEntity, message: MessageEntity, actor: Actor, now: Date): void {
    const state = {
      status: ticket.status,
      assigneeId: ticket.assignee?.id ?? null,
      offeredToId: ticket.offeredTo?.id ?? null,
    };
    this.recorder.stage(ticket, state, [{ kind: TicketChangeKind.MESSAGE_ADDED }], actor, now, message);
  }

  /**
   * A receipt moved one of the ticket's messages on (docs/domain.md "Delivery receipts"): one
   * MESSAGE_UPDATED change carrying it. The caller holds the ticket's row lock, so the ticket's
   * changes keep their order in the log; the ticket itself does not change.
   */
  messageUpdated(ticket: TicketEntity, message: MessageEntity, actor: Actor, now: Date): void {
    const state = {
      status: ticket.status,
      assigneeId: ticket.assignee?.id ?? null,
      offeredToId: ticket.offeredTo?.id ?? null,
    };
    this.recorder.stage(ticket, state, [{ kind: TicketChangeKind.MESSAGE_UPDATED }], actor, now, message);
  }

  /**
   * An agent's status change. Leaving ONLINE gives the agent's open offers back to routing (its
   * OPEN tickets stay with it). The caller holds the agent's row lock.
   */
  async setAgentStatus(agent: AgentEntity, status: AgentStatus, now: Date): Promise<boolean> {
    if (agent.status === status) return false;
    agent.status = status;
    agent.statusSince = now;
    agent.updatedAt = now;
    // docs/domain.md "Presence": what the new status starts waiting for.
    const presence = await presenceAfterStatusChange(this.tx, agent);
    if (presence) this.after(presence);
    if (status !== AgentStatus.ONLINE) {
      const offered = await this.tx.find(
        TicketEntity,
        { offeredTo: agent.id },
        { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
      );
      for (const ticket of offered) {
        await this.tryChange(ticket, { type: 'WITHDRAW_OFFER' }, SYSTEM_ACTOR, now);
      }
    }
    this.after({ type: 'AGENT_CHANGED', agentId: agent.id }, { type: 'ROUTE' });
    return true;
  }

  /** States what must follow the commit. */
  after(...effects: AfterCommitEffect[]): void {
    this.effects.push(...effects);
  }

  /**
   * One SLA_BREACHED change per target missed (docs/domain.md "SLA"); each stays in the ticket's
   * breached targets, so a target is breached once. The caller holds the ticket's row lock and has
   * checked that the targets are due and not yet breached (dueBreaches).
   */
  slaBreached(ticket: TicketEntity, targets: readonly SlaTarget[], now: Date): void {
    if (targets.length === 0) return;
    const state = {
      status: ticket.status,
      assigneeId: ticket.assignee?.id ?? null,
      offeredToId: ticket.offeredTo?.id ?? null,
    };
    ticket.slaBreached = [...ticket.slaBreached, ...targets];
    ticket.slaCheckAt = nextSlaCheck(dueTimesOf(ticket), ticket.slaBreached);
    ticket.updatedAt = now;
    this.recorder.stage(
      ticket,
      state,
      targets.map(() => ({ kind: TicketChangeKind.SLA_BREACHED })),
      SYSTEM_ACTOR,
      now,
    );
    if (ticket.slaCheckAt)
      this.after({ type: 'SCHEDULE_SLA_CHECK', ticketId: ticket.id, at: ticket.slaCheckAt });
  }

  /**
   * docs/domain.md "SLA": the due times of every ticket whose changes so far may have moved them,
   * from its policy (matched afresh for a new or updated ticket); a new time to look at the ticket
   * is scheduled after the commit. write() calls it; ingestion, which writes the ticket itself,
   * calls it first, with the policies its first statement read.
   */
  async settleSla(policies?: readonly SlaPolicyData[]): Promise<void> {
    let known = policies;
    for (const [ticket, rematch] of this.recorder.takeSlaTouched()) {
      // A ticket that follows no policy keeps none until it is matched afresh.
      if (!rematch && ticket.slaPolicy === null) continue;
      known ??= await loadSlaPolicies(this.tx);
      const check = settleTicketSla(ticket, known, rematch);
      if (check) this.after({ type: 'SCHEDULE_SLA_CHECK', ticketId: ticket.id, at: check });
    }
  }

  /** The event rows not yet written, for a caller that writes them itself (ingestion). */
  takeUnwrittenEvents(): TicketEventEntity[] {
    return this.recorder.takeUnwritten();
  }

  /** Writes what is left: the tickets' SLA, agents' last assignment, the unit of work, then the event rows. */
  async write(): Promise<void> {
    await this.settleSla();
    if (this.assignedAgents.size > 0) {
      // Knex expands an array binding into a list, so the values travel as PostgreSQL array literals.
      const entries = [...this.assignedAgents];
      await this.tx.execute(
        `update agents set last_assigned_at = v.at
           from unnest(?::uuid[], ?::timestamptz[]) as v(id, at) where agents.id = v.id`,
        [
          `{${entries.map(([id]) => id).join(',')}}`,
          `{${entries.map(([, at]) => `"${at.toISOString()}"`).join(',')}}`,
        ],
      );
      this.assignedAgents.clear();
    }
    // The unit of work first: event rows may name a message it inserts.
    await this.tx.flush();
    await writeEvents(this.tx, this.recorder.takeUnwritten());
  }

  /** Whether the transaction changed any ticket (its commit is then announced). */
  changedAny(): boolean {
    return this.recorder.recordedAny();
  }

  afterCommitEffects(): readonly AfterCommitEffect[] {
    return this.effects;
  }

  private async carryOut(ticket: TicketEntity, effect: TicketEffect, now: Date): Promise<void> {
    switch (effect.type) {
      case 'SCHEDULE_CLOSE':
        this.after({
          type: 'SCHEDULE_CLOSE',
          ticketId: ticket.id,
          solvedAt: ticket.solvedAt!,
          at: effect.at,
        });
        return;
      case 'CANCEL_SCHEDULED_CLOSE':
        this.after({ type: 'CANCEL_SCHEDULED_CLOSE', ticketId: ticket.id });
        return;
      case 'ROUTE':
        this.after({ type: 'ROUTE' });
        return;
      case 'SET_AGENT_AWAY': {
        // A missed offer means the agent is not at the desk (docs/domain.md "Routing"). Whoever
        // expires an offer locks the agent's row before the ticket's (the lock order everywhere),
        // so this finds it locked already.
        const agent = await this.tx.findOne(
          AgentEntity,
          { id: effect.agentId },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (agent?.status === AgentStatus.ONLINE) await this.setAgentStatus(agent, AgentStatus.AWAY, now);
        return;
      }
      default:
        return unhandled(effect);
    }
  }
}

function unhandled(effect: never): never {
  throw new Error(`ticket effect not handled: ${JSON.stringify(effect)}`);
}
