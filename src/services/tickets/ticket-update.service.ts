import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../domain/auth/principal';
import { seesChannel } from '../../domain/auth/visibility';
import type { Clock } from '../../domain/clock';
import { DomainError, notFound } from '../../domain/errors';
import {
  detailsDiffer,
  parseTicketUpdate,
  updatedDetails,
  type TicketUpdateInput,
} from '../../domain/ticket/ticket-update.rules';
import { TicketEntity } from '../../entities/ticket.entity';
import { actorOf } from '../actor';
import type { ChangeRunner } from '../changes/change.runner';
import { requireId } from '../ids';

/**
 * updateTicket (docs/domain.md "Skills timeout"): the assignee or an admin changes a ticket's
 * priority and skills, in one TICKET_UPDATED change on the change path; a waiting ticket is routed
 * again after the commit. Who may, and on which ticket, is transition()'s decision.
 */
export class TicketUpdateService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly changes: ChangeRunner,
  ) {}

  async update(viewer: Principal, ticketId: string, input: TicketUpdateInput): Promise<TicketEntity> {
    const id = requireId('Ticket', ticketId);
    const update = parseTicketUpdate(input);
    const actor = actorOf(viewer);
    const { value: ticket, routed } = await this.changes.run(async (change) => {
      const locked = await change.tx.findOne(TicketEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!locked || !seesChannel(viewer, locked.channel.id)) throw notFound('Ticket', ticketId);
      const now = this.clock.now();
      const next = updatedDetails(locked, update);
      const action = { type: 'UPDATE', changed: detailsDiffer(locked, next) } as const;
      if (!action.changed) {
        // Nothing to write, not even updatedAt; the caller must still be one who may update it.
        const decided = await change.decide(locked, action, actor, now);
        if (!decided.ok) throw new DomainError(decided.code, decided.reason, decided.field);
        return locked;
      }
      // Set before the change is applied, so that what the change path does with a TICKET_UPDATED
      // (the log row, anything that reacts to it in the transaction) sees the new values. A refusal
      // throws, and the transaction, with these, is rolled back.
      locked.priority = next.priority;
      locked.requiredSkills = [...next.requiredSkills];
      locked.optionalSkills = [...next.optionalSkills];
      await change.change(locked, action, actor, now);
      return locked;
    });
    // Routing may have offered or assigned the ticket: answer with what is committed now.
    return routed ? this.em.fork().findOneOrFail(TicketEntity, { id: ticket.id }) : ticket;
  }
}
