import type { TicketEventBus } from '../../events/ticket-event.bus';
import { EventQueue } from '../../events/event-queue';
import type { QueueStats, RoutingService } from './routing.service';

const MIN_INTERVAL_MS = 100;

/** One watched queue: the whole queue (channelId null) or one channel's. */
interface Watched {
  channelId: string | null;
  subscribers: Set<EventQueue<QueueStats>>;
  last: string | null;
}

/**
 * Queue figures for live dashboards, for the whole queue or one channel's: recomputed when a ticket
 * or an agent changes, at most once per 100 ms however large the burst (the first change at once,
 * the rest folded into one trailing recomputation), and pushed to a queue's subscribers only when
 * one of its figures actually changed. It watches the bus only while someone subscribes.
 */
export class QueueStatsFeed {
  private readonly queues = new Map<string, Watched>();
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private agentWatcher: AsyncIterableIterator<unknown> | null = null;
  private unwatchChanges: (() => void) | null = null;

  constructor(
    private readonly routing: RoutingService,
    private readonly bus: TicketEventBus,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * The current figures first, then every change. An unknown channel is refused here (NOT_FOUND),
   * before anything is watched.
   */
  async subscribe(channelId: string | null = null): Promise<AsyncIterableIterator<QueueStats>> {
    const current = await this.routing.queueStats(channelId);
    const key = channelId === null ? '' : channelId.toLowerCase();
    let watched = this.queues.get(key);
    if (!watched) this.queues.set(key, (watched = { channelId, subscribers: new Set(), last: null }));
    const queue: EventQueue<QueueStats> = new EventQueue(() => {
      watched.subscribers.delete(queue);
      if (watched.subscribers.size === 0) this.queues.delete(key);
      if (this.queues.size === 0) this.stopWatching();
    });
    if (!this.agentWatcher) this.startWatching();
    watched.subscribers.add(queue);
    watched.last = JSON.stringify(current);
    queue.push(current);
    return queue;
  }

  private startWatching(): void {
    this.unwatchChanges = this.bus.watch(() => this.changed());
    const agents = (this.agentWatcher = this.bus.agentChanges());
    void (async () => {
      for await (const _ of agents) this.changed();
    })();
  }

  private stopWatching(): void {
    this.unwatchChanges?.();
    this.unwatchChanges = null;
    void this.agentWatcher?.return?.();
    this.agentWatcher = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dirty = false;
  }

  private changed(): void {
    if (this.timer) {
      this.dirty = true;
      return;
    }
    void this.recompute();
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.dirty) {
        this.dirty = false;
        this.changed();
      }
    }, MIN_INTERVAL_MS);
    this.timer.unref();
  }

  private async recompute(): Promise<void> {
    await Promise.all(
      [...this.queues.values()].map(async (watched) => {
        try {
          const stats = await this.routing.queueStats(watched.channelId);
          const key = JSON.stringify(stats);
          if (key === watched.last) return;
          watched.last = key;
          for (const queue of watched.subscribers) queue.push(stats);
        } catch (err) {
          this.onError(err);
        }
      }),
    );
  }
}
