import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../domain/auth/principal';
import type { Clock } from '../../domain/clock';
import { notFound } from '../../domain/errors';
import type { TicketAction } from '../../domain/ticket/ticket-transition';
import { SYSTEM_ACTOR } from '../../domain/ticket/ticket.enums';
import { AgentEntity } from '../../entities/agent.entity';
import { TicketEntity } from '../../entities/ticket.entity';
import { actorOf } from '../actor';
import type { ChangeRunner } from '../changes/change.runner';
import { sweepDue } from '../changes/sweep';
import { isId, requireId } from '../ids';

/**
 * Offers after routing made them: the offered agent accepts or declines, and an offer nobody
 * answered expires (its job, or the sweep). Withdrawing an agent's offers when it leaves ONLINE is
 * part of the agent's status change (ChangeTransaction.setAgentStatus).
 */
export class OfferService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly changes: ChangeRunner,
  ) {}

  accept(viewer: Principal, ticketId: string): Promise<TicketEntity> {
    return this.answer(viewer, ticketId, { type: 'ACCEPT' });
  }

  decline(viewer: Principal, ticketId: string): Promise<TicketEntity> {
    return this.answer(viewer, ticketId, { type: 'DECLINE' });
  }

  /**
   * Ends an offer that is due at `now`: the ticket is routed again without that agent, and the agent
   * is set AWAY. Returns false (and changes nothing) when the offer is gone or not due, or (with
   * `forAgentId`) is no longer that agent's, so the scheduler may call it more than once.
   */
  async expireOffer(ticketId: string, now: Date = this.clock.now(), forAgentId?: string): Promise<boolean> {
    if (!isId(ticketId)) return false;
    const { value } = await this.changes.run(async (change) => {
      const { tx } = change;
      // Lock order everywhere: an agent's row before its tickets' rows.
      const peek = await tx.findOne(TicketEntity, { id: ticketId }, { fields: ['id', 'offeredTo'] });
      if (!peek?.offeredTo) return false;
      const agentId = peek.offeredTo.id;
      // A job for an earlier offer of this ticket (to someone else) has nothing to expire.
      if (forAgentId !== undefined && forAgentId !== agentId) return false;
      await tx.findOne(AgentEntity, { id: agentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const ticket = await tx.findOne(
        TicketEntity,
        { id: ticketId },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      if (!ticket || ticket.offeredTo?.id !== agentId) return false;
      return change.tryChange(ticket, { type: 'EXPIRE_OFFER' }, SYSTEM_ACTOR, now);
    });
    return value;
  }

  /** The sweep: expires every offer whose time has passed. Returns how many expired. */
  async expireOverdueOffers(now: Date = this.clock.now(), batch = 500): Promise<number> {
    return sweepDue(
      (limit) =>
        this.em
          .fork()
          .find(
            TicketEntity,
            { offerExpiresAt: { $lte: now } },
            { fields: ['id'], orderBy: { offerExpiresAt: 'asc' }, limit },
          ),
      (ticket) => this.expireOffer(ticket.id, now),
      batch,
    );
  }

  /** The offered agent's answer; the agent's row is locked before the ticket's (the lock order). */
  private async answer(viewer: Principal, ticketId: string, action: TicketAction): Promise<TicketEntity> {
    const id = requireId('Ticket', ticketId);
    const actor = actorOf(viewer);
    const now = this.clock.now();
    const { value: ticket, routed } = await this.changes.run(async (change) => {
      const { tx } = change;
      if (actor.id) await tx.findOne(AgentEntity, { id: actor.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const locked = await tx.findOne(TicketEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!locked) throw notFound('Ticket', ticketId);
      await change.change(locked, action, actor, now);
      return locked;
    });
    // Routing may have offered the ticket again: answer with what is committed now.
    return routed ? this.em.fork().findOneOrFail(TicketEntity, { id: ticket.id }) : ticket;
  }
}
