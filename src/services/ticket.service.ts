import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../domain/auth/principal';
import { seesChannel, seesInternalNotes } from '../domain/auth/visibility';
import type { Clock } from '../domain/clock';
import { searchTextOf } from '../domain/desk/ticket-search.rules';
import { notFound } from '../domain/errors';
import { metricsAt, type TicketMetrics } from '../domain/ticket/ticket-metrics';
import type { TicketAction } from '../domain/ticket/ticket-transition';
import { SYSTEM_ACTOR, TicketStatus } from '../domain/ticket/ticket.enums';
import { AgentEntity } from '../entities/agent.entity';
import { EndUserEntity } from '../entities/end-user.entity';
import { TicketEntity } from '../entities/ticket.entity';
import { actorOf } from './actor';
import { isId, requireId } from './ids';
import { decodeCursor, encodeCursor, validateFirst, type Page } from './pagination';
import type { ChangeRunner } from './changes/change.runner';
import { sweepDue } from './changes/sweep';
import { prefixQueryOf, withMessageMatching } from './desk/ticket-search.store';
import { metricsStateOf } from './changes/ticket-state.mapper';

export interface TicketFilter {
  statuses?: readonly TicketStatus[] | null;
  assigneeId?: string | null;
  /** Tickets with an open offer to this agent. */
  offeredToId?: string | null;
  channelId?: string | null;
  requesterId?: string | null;
  /** Tickets with a message holding these words (docs/domain.md "Search"). */
  text?: string | null;
}

export interface TicketPage extends Page<TicketEntity> {
  totalCount: number;
}

const isTicketCursor = (parts: unknown[]): parts is [string, string] =>
  parts.length === 2 &&
  typeof parts[0] === 'string' &&
  typeof parts[1] === 'string' &&
  isId(parts[1]) &&
  !Number.isNaN(Date.parse(parts[0]));

/** Tickets: who may see which, the status changes agents and admins make, and admin reassignment. */
export class TicketService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly changes: ChangeRunner,
  ) {}

  /** An integration sees only its channel's tickets; any other is NOT_FOUND to it. */
  async get(viewer: Principal, id: string): Promise<TicketEntity> {
    const ticket = await this.em.fork().findOne(TicketEntity, { id: requireId('Ticket', id) });
    if (!ticket || !canSee(viewer, ticket)) throw notFound('Ticket', id);
    return ticket;
  }

  async list(
    viewer: Principal,
    filter: TicketFilter,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<TicketPage> {
    const limit = validateFirst(first);
    const text = searchTextOf(filter.text);
    const visible = visibleWhere(viewer, filter);
    const em = this.em.fork();
    const query = visible !== null && text !== null ? await prefixQueryOf(em, text) : null;
    if (visible === null || (text !== null && query === null)) {
      return { items: [], cursors: [], hasNextPage: false, hasPreviousPage: false, totalCount: 0 };
    }
    // A function, not one object: each query below needs its own copy of the search's raw condition.
    const where = (): FilterQuery<TicketEntity> =>
      query === null ? visible : { $and: [visible, withMessageMatching(query, seesInternalNotes(viewer))] };

    let pageWhere: FilterQuery<TicketEntity> | null = null;
    // The matching tickets at the cursor or newer: a previous page (exact, as cheap as the page itself).
    let earlierWhere: FilterQuery<TicketEntity> | null = null;
    if (after) {
      const [createdAt, id] = decodeCursor<[string, string]>('after', after, isTicketCursor);
      const at = new Date(createdAt);
      pageWhere = {
        $and: [where(), { $or: [{ createdAt: { $lt: at } }, { createdAt: at, id: { $lt: id } }] }],
      };
      earlierWhere = {
        $and: [where(), { $or: [{ createdAt: { $gt: at } }, { createdAt: at, id: { $gte: id } }] }],
      };
    }
    const [rows, totalCount, earlier] = await Promise.all([
      em.find(TicketEntity, pageWhere ?? where(), {
        orderBy: { createdAt: 'desc', id: 'desc' },
        limit: limit + 1,
      }),
      em.count(TicketEntity, where()),
      // A fork of its own: its one-column row must not meet the page's rows in one identity map.
      earlierWhere && this.em.fork().findOne(TicketEntity, earlierWhere, { fields: ['id'] }),
    ]);
    const items = rows.slice(0, limit);
    return {
      items,
      cursors: items.map((t) => encodeCursor([t.createdAt.toISOString(), t.id])),
      hasNextPage: rows.length > limit,
      hasPreviousPage: earlier !== null,
      totalCount,
    };
  }

  findByIds(ids: readonly string[]): Promise<TicketEntity[]> {
    return this.em.fork().find(TicketEntity, { id: { $in: ids.filter(isId) } });
  }

  findEndUsersByIds(ids: readonly string[]): Promise<EndUserEntity[]> {
    return this.em.fork().find(EndUserEntity, { id: { $in: ids.filter(isId) } });
  }

  /** An end user is seen with its channel's tickets: an integration sees its own channel's only. */
  async getEndUser(viewer: Principal, id: string): Promise<EndUserEntity> {
    const endUser = await this.em.fork().findOne(EndUserEntity, { id: requireId('EndUser', id) });
    if (!endUser || !seesChannel(viewer, endUser.channel.id)) throw notFound('EndUser', id);
    return endUser;
  }

  metrics(ticket: TicketEntity): TicketMetrics {
    return metricsAt(metricsStateOf(ticket), this.clock.now());
  }

  updateStatus(viewer: Principal, ticketId: string, status: TicketStatus): Promise<TicketEntity> {
    return this.change(viewer, ticketId, async () => ({ type: 'SET_STATUS', to: status }));
  }

  /** `agentId` null: back to NEW, waiting for routing. Skills and capacity are not checked: an admin's choice. */
  reassign(viewer: Principal, ticketId: string, agentId: string | null): Promise<TicketEntity> {
    return this.change(viewer, ticketId, async (em) => {
      if (agentId === null) return { type: 'UNASSIGN' };
      // FOR UPDATE, not FOR SHARE: the assignment writes the agent's last_assigned_at, and two
      // reassignments to one agent that both held a share lock deadlocked on that write.
      const agent = await em.findOne(
        AgentEntity,
        { id: requireId('Agent', agentId) },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!agent) throw notFound('Agent', agentId);
      return { type: 'ASSIGN', agentId: agent.id };
    });
  }

  /** Lock the ticket, decide, apply and record (the change path); answer with what is committed. */
  private async change(
    viewer: Principal,
    ticketId: string,
    action: (em: EntityManager) => Promise<TicketAction>,
  ): Promise<TicketEntity> {
    const id = requireId('Ticket', ticketId);
    const actor = actorOf(viewer);
    const { value: ticket, routed } = await this.changes.run(async (change) => {
      const locked = await change.tx.findOne(TicketEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!locked || !canSee(viewer, locked)) throw notFound('Ticket', ticketId);
      await change.change(locked, await action(change.tx), actor, this.clock.now());
      return locked;
    });
    // Routing may have offered or assigned the ticket itself: answer with what is committed now.
    return routed ? this.em.fork().findOneOrFail(TicketEntity, { id: ticket.id }) : ticket;
  }

  /**
   * The scheduler's close: only if the ticket is still SOLVED from the solve the job was made for,
   * and due. Returns false, changing nothing, otherwise: a job that runs twice (two processes,
   * Agenda's duplicate runs) or after a reopen and re-solve is a no-op.
   */
  async closeDue(ticketId: string, solvedAt: Date, now: Date = this.clock.now()): Promise<boolean> {
    if (!isId(ticketId)) return false;
    const { value } = await this.changes.run(async (change) => {
      const ticket = await change.tx.findOne(
        TicketEntity,
        { id: ticketId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!ticket) return false;
      return change.tryChange(ticket, { type: 'CLOSE_DUE', solvedAt }, SYSTEM_ACTOR, now);
    });
    return value;
  }

  /** The sweep: closes every SOLVED ticket whose close time has passed. Returns how many closed. */
  async closeOverdue(now: Date = this.clock.now(), batch = 500): Promise<number> {
    return sweepDue(
      (limit) =>
        this.em
          .fork()
          .find(
            TicketEntity,
            { status: TicketStatus.SOLVED, closesAt: { $lte: now } },
            { fields: ['id', 'solvedAt'], orderBy: { closesAt: 'asc' }, limit },
          ),
      (ticket) => (ticket.solvedAt ? this.closeDue(ticket.id, ticket.solvedAt, now) : Promise.resolve(false)),
      batch,
    );
  }
}

function canSee(viewer: Principal, ticket: TicketEntity): boolean {
  return seesChannel(viewer, ticket.channel.id);
}

/** The filter as a query, narrowed to what the viewer may see; null when nothing can match. */
function visibleWhere(viewer: Principal, filter: TicketFilter): FilterQuery<TicketEntity> | null {
  const where: Record<string, unknown> = {};
  for (const [key, value] of [
    ['assignee', filter.assigneeId],
    ['offeredTo', filter.offeredToId],
    ['channel', filter.channelId],
    ['requester', filter.requesterId],
  ] as const) {
    if (value === null || value === undefined) continue;
    if (!isId(value)) return null;
    where[key] = value.toLowerCase();
  }
  if (filter.statuses) where.status = { $in: [...filter.statuses] };
  if (viewer.role === 'INTEGRATION') {
    if (where.channel !== undefined && where.channel !== viewer.channelId) return null;
    where.channel = viewer.channelId;
  }
  return where as FilterQuery<TicketEntity>;
}
