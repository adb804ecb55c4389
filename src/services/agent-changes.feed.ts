import { loadMovedBy, type LoadFacts } from '../domain/ticket/ticket-load';
import type { AgentEntity } from '../entities/agent.entity';
import type { LoggedChange } from '../events/event-log.store';
import type { TicketEventBus } from '../events/ticket-event.bus';
import type { AgentService } from './agent.service';
import type { RoutingService } from './routing/routing.service';

/** One frame of `agentChanged`: the agent and its load, read after the change that moved them. */
export interface AgentState {
  readonly agent: AgentEntity;
  readonly load: number;
  /** What a subscriber compares to skip a frame equal to the one it last took. */
  readonly key: string;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * `agentChanged` (docs/domain.md "Agents"): an agent's status, capacity or skills change (the bus's
 * agent announcements, from any process) or its load does (a committed ticket change whose holders
 * before and after differ for that agent: an offer made or ended, an assignment, a status that
 * takes or frees capacity, read from the ordered stream). Each moved agent is read once per burst,
 * after the change, however many subscribers watch it; one read runs at a time, so the last state
 * a subscriber is given was read after the last change it heard of. A subscriber that does not
 * read holds at most one state per agent (the latest), so memory is bounded by the agents.
 */
export class AgentChangesFeed {
  private readonly all = new Set<AgentChangeQueue>();
  private readonly byAgent = new Map<string, Set<AgentChangeQueue>>();
  private readonly dirty = new Set<string>();
  private reading = false;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private unwatchChanges: (() => void) | null = null;
  private agentWatcher: AsyncIterableIterator<string> | null = null;

  constructor(
    private readonly agents: AgentService,
    private readonly routing: RoutingService,
    private readonly bus: TicketEventBus,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * One agent's changes (an unknown or malformed id is NOT_FOUND, before anything is watched), or
   * every agent's with null. Who may ask is the resolver's check.
   */
  async subscribe(agentId: string | null): Promise<AsyncIterableIterator<AgentState>> {
    const id = agentId === null ? null : (await this.agents.get(agentId)).id;
    const queue: AgentChangeQueue = new AgentChangeQueue(() => this.remove(queue, id));
    if (id === null) {
      this.all.add(queue);
    } else {
      let set = this.byAgent.get(id);
      if (!set) this.byAgent.set(id, (set = new Set()));
      set.add(queue);
    }
    if (!this.unwatchChanges) this.startWatching();
    return queue;
  }

  /** Live subscriptions in this process (tests wait for theirs before changing anything). */
  subscriberCount(): number {
    let count = this.all.size;
    for (const set of this.byAgent.values()) count += set.size;
    return count;
  }

  private remove(queue: AgentChangeQueue, agentId: string | null): void {
    if (agentId === null) {
      this.all.delete(queue);
    } else {
      const set = this.byAgent.get(agentId);
      set?.delete(queue);
      if (set?.size === 0) this.byAgent.delete(agentId);
    }
    if (this.subscriberCount() === 0) this.stopWatching();
  }

  private startWatching(): void {
    this.unwatchChanges = this.bus.watch((change) => {
      for (const agentId of loadMovedBy(factsBefore(change), factsAfter(change))) this.moved(agentId);
    });
    const agents = (this.agentWatcher = this.bus.agentChanges());
    void (async () => {
      for await (const agentId of agents) this.moved(agentId);
    })();
  }

  private stopWatching(): void {
    this.unwatchChanges?.();
    this.unwatchChanges = null;
    void this.agentWatcher?.return?.();
    this.agentWatcher = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.dirty.clear();
  }

  private watched(agentId: string): boolean {
    return this.all.size > 0 || this.byAgent.has(agentId);
  }

  private moved(agentId: string): void {
    if (!this.watched(agentId)) return;
    this.dirty.add(agentId);
    if (!this.reading && !this.retryTimer) void this.readMoved();
  }

  /** Reads what moved until nothing more has; what moves meanwhile is read again after. */
  private async readMoved(): Promise<void> {
    this.reading = true;
    try {
      while (this.dirty.size > 0) {
        const ids = [...this.dirty].filter((id) => this.watched(id));
        this.dirty.clear();
        if (ids.length === 0) return;
        let states: AgentState[];
        try {
          states = await this.read(ids);
        } catch (err) {
          this.onError(err);
          // Read again later: a subscriber must not be left with a state older than a change.
          for (const id of ids) this.dirty.add(id);
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            if (this.dirty.size > 0) void this.readMoved();
          }, this.retryMs);
          this.retryTimer.unref();
          this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
          return;
        }
        this.retryMs = RETRY_MIN_MS;
        for (const state of states) {
          for (const queue of this.all) queue.push(state);
          for (const queue of this.byAgent.get(state.agent.id) ?? []) queue.push(state);
        }
      }
    } finally {
      this.reading = false;
    }
  }

  private async read(ids: readonly string[]): Promise<AgentState[]> {
    const [agents, loads] = await Promise.all([this.agents.findByIds(ids), this.routing.loads(ids)]);
    return agents.map((agent) => {
      const load = loads.get(agent.id) ?? 0;
      const key = JSON.stringify([
        agent.name,
        agent.email,
        agent.status,
        agent.skills,
        agent.capacity,
        agent.lastAssignedAt?.toISOString() ?? null,
        load,
      ]);
      return { agent, load, key };
    });
  }
}

function factsAfter(change: LoggedChange): LoadFacts {
  return { status: change.status, assigneeId: change.assigneeId, offeredToId: change.offeredToId };
}

function factsBefore(change: LoggedChange): LoadFacts | null {
  if (change.previousStatus === null) return null;
  return {
    status: change.previousStatus,
    assigneeId: change.previousAssigneeId,
    offeredToId: change.previousOfferedToId,
  };
}

/**
 * One subscriber's frames: the latest unsent state of each agent, in the order they last changed.
 * A state equal to the one the subscriber last took is not sent again. Written out rather than as
 * an async generator: a generator's return() waits behind a pending next().
 */
class AgentChangeQueue implements AsyncIterableIterator<AgentState> {
  private readonly pending = new Map<string, AgentState>();
  private readonly lastSent = new Map<string, string>();
  private waiting: ((result: IteratorResult<AgentState>) => void) | null = null;
  private closed = false;

  constructor(private readonly onClose: () => void) {}

  push(state: AgentState): void {
    if (this.closed) return;
    const id = state.agent.id;
    this.pending.delete(id);
    if (this.lastSent.get(id) === state.key) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(this.sent(state));
    } else {
      this.pending.set(id, state);
    }
  }

  next(): Promise<IteratorResult<AgentState>> {
    const [first] = this.pending.values();
    if (first) {
      this.pending.delete(first.agent.id);
      return Promise.resolve(this.sent(first));
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<AgentState>> {
    if (!this.closed) {
      this.closed = true;
      this.pending.clear();
      this.lastSent.clear();
      this.onClose();
      this.waiting?.({ value: undefined, done: true });
      this.waiting = null;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<AgentState> {
    return this;
  }

  private sent(state: AgentState): IteratorResult<AgentState> {
    this.lastSent.set(state.agent.id, state.key);
    return { value: state, done: false };
  }
}
