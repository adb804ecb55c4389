import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgentStatus } from '../domain/agent/agent.rules';
import type { Principal } from '../domain/auth/principal';
import type { Clock } from '../domain/clock';
import { DomainError, notFound } from '../domain/errors';
import { compareQueued, pickAgent, type AgentSnapshot, type Pick } from '../domain/routing/routing-pick';
import { transition, type TicketAction, type TicketEffect } from '../domain/ticket/ticket-transition';
import { type Actor, SYSTEM_ACTOR, type TicketPriority } from '../domain/ticket/ticket.enums';
import { AgentEntity } from '../entities/agent.entity';
import { ConversationStyleEntity } from '../entities/conversation-style.entity';
import { RoutingSettingsEntity } from '../entities/routing-settings.entity';
import { TicketEntity } from '../entities/ticket.entity';
import type { TicketEventBus } from '../events/ticket-event.bus';
import type { Logger } from '../observability/logger';
import { actorOf } from './actor';
import { isId, requireId } from './ids';
import { RoutingRunner } from './routing-runner';
import type { TicketEventRecorder } from './ticket-event.recorder';
import { applyTicketState, ticketStateOf } from './ticket-state';
import type { AutomationScheduler } from './scheduler.port';
import { transact } from './transaction';

/**
 * Any fixed 64-bit key shared by every Parley process: one routing run at a time, cluster-wide (a
 * run takes it exclusively, first thing in its transaction). Ingestion takes it shared, without
 * waiting (pg_try_advisory_xact_lock_shared), before it locks a ticket: when it gets it, no run can
 * read the queue until it commits, so none can have skipped its ticket (SKIP LOCKED) and a message
 * on a waiting ticket needs no run of its own. Nothing waits for the shared lock, so it adds no lock
 * cycle; a run waits for the ingestions that hold it (one short transaction each).
 */
export const ROUTING_LOCK_KEY = 7_021_931_405;
const QUEUE_BATCH = 200;
// A run skips waiting tickets other transactions hold; it looks again this long after it ends.
const SKIPPED_RETRY_MS = 100;

interface AgentRow {
  id: string;
  status: AgentStatus;
  capacity: number;
  skills: string[];
  last_assigned_at: string | Date | null;
}

interface QueuedRow {
  id: string;
  priority: TicketPriority;
  waiting_since: Date;
  required_skills: string[];
}

export interface QueueStats {
  waiting: number;
  oldestWaitingSince: Date | null;
  agentsOnline: number;
  spareCapacity: number;
}

export interface RoutingPreview {
  ticket: TicketEntity;
  pick: Pick;
  agents: AgentEntity[];
}

/**
 * Routing is load (I/O) → pick (pure, domain/routing) → claim (I/O, locked). A run holds a
 * transaction-scoped advisory lock, so runs in any number of processes are serialised, and locks
 * the ONLINE agents' rows before counting their load, so nothing that adds load (a reopen, an
 * admin's reassignment, which take those rows FOR SHARE) can slip in between count and claim.
 */
export class RoutingService {
  private readonly runner = new RoutingRunner(() => this.runOnce());
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly bus: TicketEventBus,
    private readonly scheduler: AutomationScheduler,
    private readonly logger: Logger,
  ) {}

  /** Places as many waiting tickets as agents can take; resolves when a run after this call has ended. */
  routeQueue(): Promise<void> {
    return this.runner.request();
  }

  /**
   * After a change commits: route again when the change asks for it or may have freed capacity.
   * Returns whether a run happened (the caller's view of the ticket may then be stale).
   */
  async afterChange(effects: readonly TicketEffect[], freedCapacity = false): Promise<boolean> {
    if (!freedCapacity && !effects.some((e) => e.type === 'ROUTE')) return false;
    await this.routeQueue();
    return true;
  }

  accept(viewer: Principal, ticketId: string): Promise<TicketEntity> {
    return this.changeOffer(viewer, ticketId, { type: 'ACCEPT' });
  }

  decline(viewer: Principal, ticketId: string): Promise<TicketEntity> {
    return this.changeOffer(viewer, ticketId, { type: 'DECLINE' });
  }

  /**
   * Ends an offer that is due at `now`: the ticket is routed again without that agent, and the agent
   * is set AWAY. Returns false (and changes nothing) when the offer is gone or not due, so the
   * scheduler may call it more than once.
   */
  async expireOffer(ticketId: string, now: Date = this.clock.now(), forAgentId?: string): Promise<boolean> {
    if (!isId(ticketId)) return false;
    const expired = await transact(this.em, this.bus, async (tx, recorder) => {
      // Lock order everywhere: an agent's row before its tickets' rows.
      const peek = await tx.findOne(TicketEntity, { id: ticketId }, { fields: ['id', 'offeredTo'] });
      if (!peek?.offeredTo) return false;
      const agentId = peek.offeredTo.id;
      // A job for an earlier offer of this ticket (to someone else) has nothing to expire.
      if (forAgentId !== undefined && forAgentId !== agentId) return false;
      const agent = await tx.findOne(AgentEntity, { id: agentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const ticket = await tx.findOne(
        TicketEntity,
        { id: ticketId },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      if (!ticket || ticket.offeredTo?.id !== agentId) return false;
      const result = await this.decide(tx, ticket, { type: 'EXPIRE_OFFER' }, SYSTEM_ACTOR, now);
      if (!result.ok) return false;
      this.apply(tx, recorder, ticket, result, SYSTEM_ACTOR, now);
      // A missed offer means the agent is not at the desk: AWAY, and its other offers go back too.
      if (agent?.status === AgentStatus.ONLINE) {
        agent.status = AgentStatus.AWAY;
        agent.updatedAt = now;
        await this.withdrawOffersIn(tx, recorder, agentId, now);
      }
      await tx.flush();
      return true;
    });
    if (expired) await this.routeQueue();
    return expired;
  }

  /**
   * An agent going AWAY or OFFLINE gives its open offers back to routing, in the caller's
   * transaction (its OPEN tickets stay with it).
   */
  async withdrawOffersIn(
    em: EntityManager,
    recorder: TicketEventRecorder,
    agentId: string,
    now: Date,
  ): Promise<number> {
    const offered = await em.find(
      TicketEntity,
      { offeredTo: agentId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
    );
    for (const ticket of offered) {
      const result = await this.decide(em, ticket, { type: 'WITHDRAW_OFFER' }, SYSTEM_ACTOR, now);
      if (result.ok) this.apply(em, recorder, ticket, result, SYSTEM_ACTOR, now);
    }
    return offered.length;
  }

  /** What routing would decide for this ticket now, with every agent's reason. */
  async preview(ticketId: string): Promise<RoutingPreview> {
    const em = this.em.fork();
    const ticket = await em.findOne(TicketEntity, { id: requireId('Ticket', ticketId) });
    if (!ticket) throw notFound('Ticket', ticketId);
    const agents = await em.find(AgentEntity, {}, { orderBy: { id: 'asc' } });
    const snapshots = await this.snapshots(em, agents);
    const refused = await this.refusals(em, [ticket.id]);
    const pick = pickAgent(
      {
        id: ticket.id,
        requiredSkills: ticket.requiredSkills,
        refusedBy: refused.get(ticket.id) ?? new Set(),
      },
      snapshots,
    );
    return { ticket, pick, agents };
  }

  /** DESIGN.md "Capacity": OPEN tickets assigned to the agent plus tickets offered to it. */
  async loads(agentIds: readonly string[], em: EntityManager = this.em.fork()): Promise<Map<string, number>> {
    const ids = agentIds.filter(isId);
    const loads = new Map(ids.map((id) => [id, 0]));
    if (ids.length === 0) return loads;
    // Knex expands an array binding into a list, so the ids travel as one PostgreSQL array literal.
    const idArray = `{${ids.join(',')}}`;
    const rows = await em.execute<{ agent_id: string; load: string }[]>(
      `select agent_id, count(*)::text as load from (
         select assignee_id as agent_id from tickets where status = 'OPEN' and assignee_id = any(?::uuid[])
         union all
         select offered_to_id from tickets where offered_to_id = any(?::uuid[])
       ) as held group by agent_id`,
      [idArray, idArray],
    );
    for (const row of rows) loads.set(row.agent_id, Number(row.load));
    return loads;
  }

  async queueStats(): Promise<QueueStats> {
    const em = this.em.fork();
    const [queue] = await em.execute<{ waiting: string; oldest: string | Date | null }[]>(
      `select count(*)::text as waiting, min(waiting_since) as oldest from tickets
        where status = 'NEW' and offered_to_id is null`,
    );
    const online = await em.find(AgentEntity, { status: AgentStatus.ONLINE }, { fields: ['id', 'capacity'] });
    const loads = await this.loads(
      online.map((a) => a.id),
      em,
    );
    return {
      waiting: Number(queue?.waiting ?? 0),
      oldestWaitingSince: queue?.oldest ? new Date(queue.oldest) : null,
      agentsOnline: online.length,
      spareCapacity: online.reduce((sum, a) => sum + Math.max(0, a.capacity - (loads.get(a.id) ?? 0)), 0),
    };
  }

  /** The sweep: expires every offer whose time has passed. Returns how many expired. */
  async expireOverdueOffers(now: Date = this.clock.now(), batch = 500): Promise<number> {
    let expired = 0;
    for (;;) {
      const due = await this.em
        .fork()
        .find(
          TicketEntity,
          { offerExpiresAt: { $lte: now } },
          { fields: ['id'], orderBy: { offerExpiresAt: 'asc' }, limit: batch },
        );
      let progressed = 0;
      for (const ticket of due) if (await this.expireOffer(ticket.id, now)) progressed++;
      expired += progressed;
      if (due.length < batch || progressed === 0) return expired;
    }
  }

  /** No more follow-up runs (the server is stopping). */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * A waiting ticket that another transaction held while a run read the queue was skipped, and
   * that transaction may end without asking for routing (a refused change, an expiry with nothing
   * to do): look again shortly, so no ticket waits for the next unrelated trigger.
   */
  private retrySkipped(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.routeQueue().catch((err: unknown) => this.logger.error({ err }, 'routing run failed'));
    }, SKIPPED_RETRY_MS);
    this.retryTimer.unref();
  }

  private async runOnce(): Promise<void> {
    const offers: { ticketId: string; agentId: string; at: Date }[] = [];
    let skipped = false;
    await transact(this.em, this.bus, async (tx, recorder) => {
      offers.length = 0; // a retried transaction starts over
      skipped = false;
      await tx.execute('select pg_advisory_xact_lock(?)', [ROUTING_LOCK_KEY]);
      // Plain rows, not entities: a run reads every ONLINE agent and the head of the queue but
      // changes few of them, and the unit of work would hydrate and diff every one at each flush.
      const agents = await tx.execute<AgentRow[]>(
        `select id, status, capacity, skills, last_assigned_at from agents
          where status = 'ONLINE' and capacity > 0 order by id for update`,
      );
      if (agents.length === 0) return;
      const loads = await this.loads(
        agents.map((a) => a.id),
        tx,
      );
      const snapshots: AgentSnapshot[] = agents.map((a) => ({
        id: a.id,
        status: a.status,
        capacity: a.capacity,
        load: loads.get(a.id) ?? 0,
        skills: a.skills,
        lastAssignedAt: a.last_assigned_at === null ? null : new Date(a.last_assigned_at),
      }));
      const [settings] = await tx.execute<{ auto_accept: boolean; offer_timeout_seconds: number }[]>(
        'select auto_accept, offer_timeout_seconds from routing_settings where id = ?',
        [RoutingSettingsEntity.SINGLETON_ID],
      );
      const autoAccept = settings?.auto_accept ?? false;
      const offerTimeoutSeconds = settings?.offer_timeout_seconds ?? 30;
      const now = this.clock.now();
      const assignedAgents = new Set<string>();

      let after: QueuedRow | null = null;
      let examined = 0;
      let placed = 0;
      let queueRead = false;
      for (;;) {
        if (!snapshots.some((a) => a.load < a.capacity)) break;
        // SKIP LOCKED: a waiting ticket some other transaction holds asks for routing itself after
        // it commits (ingestion only when it could not take ROUTING_LOCK_KEY shared).
        const batch: QueuedRow[] = (
          await tx.execute<QueuedRow[]>(
            `select id, priority, waiting_since, required_skills from tickets
            where status = 'NEW' and offered_to_id is null and assignee_id is null
              ${
                after
                  ? `and (priority < ?::ticket_priority
                      or (priority = ?::ticket_priority and waiting_since > ?)
                      or (priority = ?::ticket_priority and waiting_since = ? and id > ?))`
                  : ''
              }
            order by priority desc, waiting_since asc, id asc
            limit ${QUEUE_BATCH} for update skip locked`,
            after
              ? [
                  after.priority,
                  after.priority,
                  after.waiting_since,
                  after.priority,
                  after.waiting_since,
                  after.id,
                ]
              : [],
          )
        ).map((row) => ({ ...row, waiting_since: new Date(row.waiting_since) }));
        examined += batch.length;
        if (batch.length === 0) {
          queueRead = true;
          break;
        }
        const queued = batch
          .map((row) => ({ id: row.id, priority: row.priority, waitingSince: row.waiting_since, row }))
          .sort(compareQueued);
        const refused = await this.refusals(
          tx,
          queued.map((t) => t.id),
        );
        // Pick for the whole batch first, then load only the tickets that are placed.
        const picks: { ticketId: string; agentId: string }[] = [];
        for (const ticket of queued) {
          const pick = pickAgent(
            {
              id: ticket.id,
              requiredSkills: ticket.row.required_skills,
              refusedBy: refused.get(ticket.id) ?? new Set(),
            },
            snapshots,
          );
          if (!pick.agentId) continue;
          picks.push({ ticketId: ticket.id, agentId: pick.agentId });
          const index = snapshots.findIndex((a) => a.id === pick.agentId);
          const claimed = snapshots[index]!;
          snapshots[index] = {
            ...claimed,
            load: claimed.load + 1,
            lastAssignedAt: autoAccept ? now : claimed.lastAssignedAt,
          };
        }
        const tickets = picks.length
          ? new Map(
              (await tx.find(TicketEntity, { id: { $in: picks.map((p) => p.ticketId) } })).map((t) => [
                t.id,
                t,
              ]),
            )
          : new Map<string, TicketEntity>();
        for (const { ticketId, agentId } of picks) {
          const ticket = tickets.get(ticketId)!;
          const action: TicketAction = autoAccept
            ? { type: 'AUTO_ASSIGN', agentId }
            : { type: 'OFFER', agentId, expiresAt: new Date(now.getTime() + offerTimeoutSeconds * 1000) };
          const result = await this.decide(tx, ticket, action, SYSTEM_ACTOR, now);
          if (!result.ok) continue;
          this.apply(tx, recorder, ticket, result, SYSTEM_ACTOR, now);
          placed++;
          if (action.type === 'OFFER') offers.push({ ticketId, agentId, at: action.expiresAt });
          else assignedAgents.add(agentId);
        }
        if (batch.length < QUEUE_BATCH) {
          queueRead = true;
          break;
        }
        after = batch[batch.length - 1]!;
      }
      await tx.flush();
      if (queueRead) {
        // With room left and the whole queue read, more waiting than read means some were held.
        const [row] = await tx.execute<{ waiting: number }[]>(
          `select count(*)::int as waiting from tickets
            where status = 'NEW' and offered_to_id is null and assignee_id is null`,
        );
        skipped = (row?.waiting ?? 0) > examined - placed;
      }
      if (assignedAgents.size > 0) {
        await tx.execute('update agents set last_assigned_at = ? where id = any(?::uuid[])', [
          now,
          `{${[...assignedAgents].join(',')}}`,
        ]);
      }
    });
    if (skipped) this.retrySkipped();
    // After commit: each offer expires on time through its job (the sweep catches any lost one).
    for (const offer of offers) {
      await this.scheduler
        .scheduleOfferExpiry(offer.ticketId, offer.agentId, offer.at)
        .catch((err: unknown) =>
          this.logger.error(
            { err, ticketId: offer.ticketId },
            'could not schedule an offer expiry; the sweep will expire it',
          ),
        );
    }
  }

  private async changeOffer(
    viewer: Principal,
    ticketId: string,
    action: TicketAction,
  ): Promise<TicketEntity> {
    const id = requireId('Ticket', ticketId);
    const actor = actorOf(viewer);
    const now = this.clock.now();
    const { ticket, effects } = await transact(this.em, this.bus, async (tx, recorder) => {
      // Lock order everywhere: an agent's row before its tickets' rows.
      if (actor.id) await tx.findOne(AgentEntity, { id: actor.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const locked = await tx.findOne(TicketEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!locked) throw notFound('Ticket', ticketId);
      const result = await this.decide(tx, locked, action, actor, now);
      if (!result.ok) throw new DomainError(result.code, result.reason);
      this.apply(tx, recorder, locked, result, actor, now);
      if (action.type === 'ACCEPT') {
        (await tx.findOneOrFail(AgentEntity, { id: locked.assignee!.id })).lastAssignedAt = now;
      }
      await tx.flush();
      return { ticket: locked, effects: result.effects };
    });
    if (await this.afterChange(effects)) return this.em.fork().findOneOrFail(TicketEntity, { id: ticket.id });
    return ticket;
  }

  private async decide(
    em: EntityManager,
    ticket: TicketEntity,
    action: TicketAction,
    actor: Actor,
    now: Date,
  ) {
    const style = await em.findOneOrFail(ConversationStyleEntity, { id: ticket.style.id });
    return transition(ticketStateOf(ticket, style, null), action, actor, now);
  }

  private apply(
    em: EntityManager,
    recorder: TicketEventRecorder,
    ticket: TicketEntity,
    result: Extract<ReturnType<typeof transition>, { ok: true }>,
    actor: Actor,
    now: Date,
  ): void {
    const before = { status: ticket.status, assigneeId: ticket.assignee?.id ?? null };
    applyTicketState(ticket, result.next, now);
    recorder.record(em, ticket, before, result.changes, actor, now);
  }

  private async snapshots(em: EntityManager, agents: readonly AgentEntity[]): Promise<AgentSnapshot[]> {
    const loads = await this.loads(
      agents.map((a) => a.id),
      em,
    );
    return agents.map((a) => ({
      id: a.id,
      status: a.status,
      capacity: a.capacity,
      load: loads.get(a.id) ?? 0,
      skills: a.skills,
      lastAssignedAt: a.lastAssignedAt,
    }));
  }

  /** Agents that declined (themselves) or let expire an offer of each ticket, from the event log. */
  private async refusals(em: EntityManager, ticketIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const refused = new Map<string, Set<string>>();
    if (ticketIds.length === 0) return refused;
    const rows = await em.execute<{ ticket_id: string; agent_id: string }[]>(
      `select distinct ticket_id, agent_id from ticket_events
        where ticket_id = any(?::uuid[]) and agent_id is not null
          and (kind = 'OFFER_EXPIRED' or (kind = 'OFFER_DECLINED' and actor_type = 'AGENT'))`,
      [`{${ticketIds.join(',')}}`],
    );
    for (const row of rows) {
      let set = refused.get(row.ticket_id);
      if (!set) refused.set(row.ticket_id, (set = new Set()));
      set.add(row.agent_id);
    }
    return refused;
  }
}
