import type { TicketEventBus } from '../../events/ticket-event.bus';
import { EventQueue } from '../../events/event-queue';
import type { QueueStats, RoutingService } from './routing.service';

const MIN_INTERVAL_MS = 100;

/**
 * Queue figures for live dashboards: recomputed when a ticket or an agent changes, at most once per
 * 100 ms however large the burst (the first change at once, the rest folded into one trailing
 * recomputation), and pushed to subscribers only when a figure actually changed. It watches the bus
 * only while someone subscribes.
 */
export class QueueStatsFeed {
  private readonly subscribers = new Set<EventQueue<QueueStats>>();
  private last: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private watchers: AsyncIterableIterator<unknown>[] = [];

  constructor(
    private readonly routing: RoutingService,
    private readonly bus: TicketEventBus,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The current figures first, then every change. */
  async subscribe(): Promise<AsyncIterableIterator<QueueStats>> {
    const queue: EventQueue<QueueStats> = new EventQueue(() => {
      this.subscribers.delete(queue);
      if (this.subscribers.size === 0) this.stopWatching();
    });
    if (this.subscribers.size === 0) this.startWatching();
    this.subscribers.add(queue);
    const current = await this.routing.queueStats();
    this.last = JSON.stringify(current);
    queue.push(current);
    return queue;
  }

  private startWatching(): void {
    this.watchers = [this.bus.changes(), this.bus.agentChanges()];
    for (const watcher of this.watchers) {
      void (async () => {
        for await (const _ of watcher) this.changed();
      })();
    }
  }

  private stopWatching(): void {
    for (const watcher of this.watchers) void watcher.return?.();
    this.watchers = [];
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
    try {
      const stats = await this.routing.queueStats();
      const key = JSON.stringify(stats);
      if (key === this.last) return;
      this.last = key;
      for (const queue of this.subscribers) queue.push(stats);
    } catch (err) {
      this.onError(err);
    }
  }
}
