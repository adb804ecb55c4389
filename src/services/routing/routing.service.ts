import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../../domain/clock';
import { notFound } from '../../domain/errors';
import { type BatchPick, hasSpareCapacity, pickBatch } from '../../domain/routing/routing-batch';
import { pickAgent, type AgentSnapshot, type Pick } from '../../domain/routing/routing-pick';
import type { TicketAction } from '../../domain/ticket/ticket-transition';
import { SYSTEM_ACTOR } from '../../domain/ticket/ticket.enums';
import { agentFigures } from '../../domain/routing/queue-figures';
import { AgentEntity } from '../../entities/agent.entity';
import { ChannelEntity } from '../../entities/channel.entity';
import { TicketEntity } from '../../entities/ticket.entity';
import type { Logger } from '../../observability/logger';
import type { ChangeRunner } from '../changes/change.runner';
import type { ChangeTransaction } from '../changes/change-transaction';
import { noServiceMetrics, type ServiceMetrics } from '../metrics.port';
import { isId, requireId } from '../ids';
import { RoutingRunner } from './routing-runner';
import {
  anySkillsLapsed,
  countWaiting,
  loadAgentSnapshots,
  loadsOf,
  lockQueueBatch,
  queueHead,
  readRunSettings,
  refusalsOf,
  refusedSnapshot,
  takeRoutingLock,
  type QueuePosition,
  type RunSettings,
} from './routing.store';

const QUEUE_BATCH = 200;
// A run skips waiting tickets other transactions hold; it looks again this long after it ends.
const SKIPPED_RETRY_MS = 100;
// setTimeout's longest delay; a lapse further away is looked at again then.
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface QueueStats {
  waiting: number;
  oldestWaitingSince: Date | null;
  agentsOnline: number;
  spareCapacity: number;
  /** Tickets not yet solved with a missed SLA target (docs/domain.md "SLA"). */
  slaBreached: number;
}

export interface RoutingPreview {
  ticket: TicketEntity;
  pick: Pick;
  agents: AgentEntity[];
}

/**
 * Routing is load (routing.store.ts) → pick (pure, domain/routing) → claim (through the change
 * path, under locks). A run holds a transaction-scoped advisory lock, so runs in any number of
 * processes are serialised, and locks the ONLINE agents' rows before counting their load, so
 * nothing that adds load (a reopen takes the row FOR SHARE, an admin's reassignment FOR UPDATE) can
 * slip in between count and claim.
 */
export class RoutingService {
  private readonly runner = new RoutingRunner(() => this.timedRun());
  private retryTimer: NodeJS.Timeout | null = null;
  /** The wake-up for the next optional-skills lapse a run saw, and its time (ms). */
  private lapseTimer: { timer: NodeJS.Timeout; at: number } | null = null;
  private stopped = false;

  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly changes: ChangeRunner,
    private readonly logger: Logger,
    private readonly metrics: ServiceMetrics = noServiceMetrics,
  ) {}

  /** Places as many waiting tickets as agents can take; resolves when a run after this call has ended. */
  routeQueue(): Promise<void> {
    return this.runner.request();
  }

  /** What routing would decide for this ticket now, with every agent's reason. */
  async preview(ticketId: string): Promise<RoutingPreview> {
    const em = this.em.fork();
    const ticket = await em.findOne(TicketEntity, { id: requireId('Ticket', ticketId) });
    if (!ticket) throw notFound('Ticket', ticketId);
    const snapshots = await loadAgentSnapshots(em, 'ALL');
    const agents = await em.find(AgentEntity, { id: { $in: snapshots.map((a) => a.id) } });
    const refused = await refusalsOf(em, [ticket.id]);
    const { skillsTimeoutSeconds: seconds } = await readRunSettings(em);
    const pick = pickAgent(
      {
        id: ticket.id,
        requiredSkills: ticket.requiredSkills,
        optionalSkills: ticket.optionalSkills,
        waitingSince: ticket.waitingSince,
        ...refusedSnapshot(refused, ticket.id),
      },
      snapshots,
      seconds === null ? { seconds } : { seconds, now: this.clock.now() },
    );
    return { ticket, pick, agents };
  }

  /** Each agent's load (docs/domain.md "Capacity"); unknown or malformed ids count 0. */
  loads(agentIds: readonly string[]): Promise<Map<string, number>> {
    return loadsOf(this.em.fork(), agentIds.filter(isId));
  }

  /**
   * The queue figures (docs/domain.md "Routing"): of every waiting ticket, or of one channel's,
   * with the ONLINE agents who could take them.
   */
  async queueStats(channelId: string | null = null): Promise<QueueStats> {
    const em = this.em.fork();
    let requiredSkills: readonly string[] = [];
    let channel: string | null = null;
    if (channelId !== null) {
      const found = await em.findOne(
        ChannelEntity,
        { id: requireId('Channel', channelId) },
        { fields: ['id', 'requiredSkills'] },
      );
      if (!found) throw notFound('Channel', channelId);
      requiredSkills = found.requiredSkills;
      channel = found.id;
    }
    const head = await queueHead(em, channel);
    const online = await loadAgentSnapshots(em, 'ONLINE');
    return { ...head, ...agentFigures(online, requiredSkills) };
  }

  /**
   * The sweep's part (docs/domain.md "Skills timeout"): a routing run when some waiting ticket's
   * optional skills have lapsed. A run arms its own wake-up for the next lapse it saw; this covers
   * a process that stopped with that wake-up pending, and a changed timeout. Returns whether it ran.
   */
  async routeLapsedSkills(now: Date = this.clock.now()): Promise<boolean> {
    const em = this.em.fork();
    const { skillsTimeoutSeconds } = await readRunSettings(em);
    if (!(await anySkillsLapsed(em, skillsTimeoutSeconds, now))) return false;
    await this.routeQueue();
    return true;
  }

  /** No more follow-up runs (the server is stopping). */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.lapseTimer) clearTimeout(this.lapseTimer.timer);
    this.lapseTimer = null;
  }

  /**
   * A ticket left waiting only for its optional skills may be placed once they lapse, when nothing
   * else asks for routing: a run at that moment. One timer per process, for the earliest lapse
   * known; a later run that sees an earlier one moves it. A timer that finds nothing to do costs
   * one run. Process memory only: the sweep covers a process that stops before its timer fires.
   */
  private wakeAtLapse(at: Date | null): void {
    if (at === null || this.stopped) return;
    if (this.lapseTimer && this.lapseTimer.at <= at.getTime()) return;
    if (this.lapseTimer) clearTimeout(this.lapseTimer.timer);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at.getTime() - this.clock.now().getTime()));
    const timer = setTimeout(() => {
      this.lapseTimer = null;
      this.routeQueue().catch((err: unknown) => this.logger.error({ err }, 'routing run failed'));
    }, delay);
    timer.unref();
    this.lapseTimer = { timer, at: at.getTime() };
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

  private async timedRun(): Promise<void> {
    const started = performance.now();
    try {
      await this.runOnce();
    } finally {
      this.metrics.routingRun((performance.now() - started) / 1000);
    }
  }

  /**
   * One run, in one transaction: the lock, the agents (locked) and their loads, then the queue in
   * batches: pick for the batch, claim what was picked through transition() (OFFER or
   * AUTO_ASSIGN). Offers and assignments never free capacity nor ask for routing, so the run's own
   * after-commit step only schedules offer expiries. After the commit, a wake-up for the next
   * optional-skills lapse among the tickets it left waiting.
   */
  private async runOnce(): Promise<void> {
    let nextLapse: Date | null = null;
    const { value: skipped } = await this.changes.run(async (change) => {
      const { tx } = change;
      nextLapse = null;
      await takeRoutingLock(tx);
      let agents: readonly AgentSnapshot[] = await loadAgentSnapshots(tx, 'ROUTABLE_LOCKED');
      if (agents.length === 0) return false;
      const settings = await readRunSettings(tx);
      const now = this.clock.now();
      let after: QueuePosition | null = null;
      let examined = 0;
      let placed = 0;
      while (hasSpareCapacity(agents)) {
        const batch = await lockQueueBatch(tx, after, QUEUE_BATCH);
        examined += batch.length;
        const result = pickBatch(batch, agents, {
          autoAccept: settings.autoAccept,
          now,
          skillsTimeoutSeconds: settings.skillsTimeoutSeconds,
        });
        agents = result.agents;
        nextLapse = earlier(nextLapse, result.nextLapse);
        placed += await this.claim(change, result.picks, settings, now);
        if (batch.length < QUEUE_BATCH) {
          // The whole queue was read: more waiting than read means some were held by others.
          await tx.flush();
          return (await countWaiting(tx)) > examined - placed;
        }
        after = batch[batch.length - 1]!;
      }
      return false;
    });
    this.wakeAtLapse(nextLapse);
    if (skipped) this.retrySkipped();
  }

  /** Loads only the picked tickets and claims each; returns how many were claimed. */
  private async claim(
    change: ChangeTransaction,
    picks: readonly BatchPick[],
    settings: RunSettings,
    now: Date,
  ): Promise<number> {
    if (picks.length === 0) return 0;
    const tickets = new Map(
      (await change.tx.find(TicketEntity, { id: { $in: picks.map((p) => p.ticketId) } })).map((t) => [
        t.id,
        t,
      ]),
    );
    let claimed = 0;
    for (const { ticketId, agentId } of picks) {
      const action: TicketAction = settings.autoAccept
        ? { type: 'AUTO_ASSIGN', agentId }
        : {
            type: 'OFFER',
            agentId,
            expiresAt: new Date(now.getTime() + settings.offerTimeoutSeconds * 1000),
          };
      if (await change.tryChange(tickets.get(ticketId)!, action, SYSTEM_ACTOR, now)) claimed++;
    }
    return claimed;
  }
}

function earlier(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() <= b.getTime() ? a : b;
}
