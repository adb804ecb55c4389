import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../domain/auth/principal';
import { seesChannel } from '../../domain/auth/visibility';
import type { Clock } from '../../domain/clock';
import { badInput, forbidden, notFound } from '../../domain/errors';
import { normalizeBody } from '../../domain/ticket/message.rules';
import type { TransferTo } from '../../domain/ticket/ticket-transition';
import { AgentEntity } from '../../entities/agent.entity';
import { TicketEntity } from '../../entities/ticket.entity';
import { actorOf } from '../actor';
import type { ChangeRunner } from '../changes/change.runner';
import { requireId } from '../ids';
import { addAgentMessage } from '../message.service';
import { loadsOf, readRunSettings } from '../routing/routing.store';

/** transferTicket's input (the contract's TransferTicketInput). */
export interface TransferInput {
  ticketId: string;
  /** The agent to hand the ticket to; none: back to the queue. */
  toAgentId?: string | null;
  /** An internal note written with the transfer. */
  note?: string | null;
}

/**
 * docs/domain.md "Transfer": the assignee or an admin hands a ticket to a colleague (an offer, or an
 * assignment under auto-accept) or back to the queue, in one TRANSFERRED change on the change
 * path, with an optional internal note in the same transaction. What a transfer may do is
 * transition()'s decision; this loads what it needs under the locks that make it hold.
 */
export class TransferService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly changes: ChangeRunner,
  ) {}

  async transfer(viewer: Principal, input: TransferInput): Promise<TicketEntity> {
    const ticketId = requireId('Ticket', input.ticketId);
    const toAgentId =
      input.toAgentId === null || input.toAgentId === undefined ? null : requireId('Agent', input.toAgentId);
    const note = input.note === null || input.note === undefined ? null : normalizeNote(input.note);
    const actor = actorOf(viewer);
    if (viewer.role !== 'AGENT' && viewer.role !== 'ADMIN') {
      throw forbidden("Only the ticket's assignee or an admin may transfer it");
    }
    const { value: ticket, routed } = await this.changes.run(async (change) => {
      const { tx } = change;
      // The target's row before the ticket's (the lock order everywhere), FOR UPDATE as a routing
      // run and a reassignment take it: its load counted below cannot move until this commits, so
      // concurrent transfers and routing runs never take it past its capacity.
      const target =
        toAgentId === null
          ? null
          : await tx.findOne(AgentEntity, { id: toAgentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const locked = await tx.findOne(
        TicketEntity,
        { id: ticketId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!locked || !seesChannel(viewer, locked.channel.id)) throw notFound('Ticket', input.ticketId);
      if (toAgentId !== null && !target) throw notFound('Agent', input.toAgentId!);
      const now = this.clock.now();
      const to: TransferTo = target === null ? { kind: 'QUEUE' } : await transferTo(tx, target, now);
      await change.change(locked, { type: 'TRANSFER', to }, actor, now);
      if (note !== null) {
        addAgentMessage(change, locked, {
          agentId: viewer.role === 'AGENT' ? viewer.agentId : null,
          body: note,
          internal: true,
          actor,
          now,
        });
      }
      return locked;
    });
    // Routing may have placed the ticket (or the one it made room for): answer with what is committed.
    return routed ? this.em.fork().findOneOrFail(TicketEntity, { id: ticket.id }) : ticket;
  }
}

/** An offer like routing's (its timeout), or with auto-accept on an assignment; the target as locked. */
async function transferTo(tx: EntityManager, agent: AgentEntity, now: Date): Promise<TransferTo> {
  const settings = await readRunSettings(tx);
  const load = (await loadsOf(tx, [agent.id])).get(agent.id) ?? 0;
  const target = { id: agent.id, status: agent.status, capacity: agent.capacity, load };
  if (settings.autoAccept) return { kind: 'ASSIGN', agent: target };
  return {
    kind: 'OFFER',
    agent: target,
    expiresAt: new Date(now.getTime() + settings.offerTimeoutSeconds * 1000),
  };
}

/** A note is a message body (docs/domain.md "Messages and ingestion"), never an empty one. */
function normalizeNote(note: string): string {
  if (note.trim().length === 0) {
    throw badInput('input.note', 'input.note must not be empty; leave it out to transfer without a note');
  }
  return normalizeBody('input.note', note);
}
