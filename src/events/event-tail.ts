import { comparePositions, type StreamPosition } from '../domain/stream/stream-position';
import type { Logger } from '../observability/logger';
import { RepeatFilter } from '../observability/repeat-filter';
import { readSettled, settledHead, type LoggedChange, type Query } from './event-log.store';
import type { LocalFanOut, TicketChangeEvent } from './ticket-event.bus';

const BATCH = 500;
// Under load, commits wake the tail far more often than it needs to read: one read every few
// milliseconds takes them all in a batch, for a few milliseconds of delivery latency.
const MIN_READ_INTERVAL_MS = 4;
// A change held back by a transaction still running is read again soon: first after this long,
// doubling up to HELD_MAX_MS (write transactions last milliseconds; a long one delays everyone).
const HELD_MIN_MS = 2;
const HELD_MAX_MS = 100;
const FAILED_MIN_MS = 100;
const FAILED_MAX_MS = 5_000;

/**
 * Follows the event log for this process: reads what has settled after the last position it
 * delivered, loads only the changes some local listener wants, and hands them to the fan-out in
 * stream order. Woken by this process's commits and by other processes' wake-ups, and by a
 * poll in case both are missed; a failed read or load is retried from the same position, so a
 * lost connection or a database away for a while costs delay, never a change.
 */
export class EventTail {
  private reading = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt = 0;
  private lastReadAt = -Infinity;
  private heldDelayMs = 0;
  private failedDelayMs = 0;
  private stopped = false;
  // Wake-ups before the start position is known would read the whole log for nobody.
  private started = false;
  private readonly repeats = new RepeatFilter(60_000);
  private waiters: { target: StreamPosition; resolve: () => void }[] = [];

  constructor(
    private readonly options: {
      query: Query;
      fanOut: LocalFanOut;
      load: (changes: readonly LoggedChange[]) => Promise<TicketChangeEvent[]>;
      logger: Logger;
    },
  ) {}

  /** Starts after the last settled change: listeners receive what commits from now on. */
  async start(): Promise<void> {
    this.options.fanOut.startAt(await settledHead(this.options.query));
    this.started = true;
  }

  /** Reads soon: at once, or when MIN_READ_INTERVAL_MS has passed since the last read began. */
  wake(): void {
    if (this.stopped || !this.started) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.readIn(this.lastReadAt + MIN_READ_INTERVAL_MS - performance.now());
  }

  /** Resolves once everything up to `target` has been delivered here. */
  reached(target: StreamPosition): Promise<void> {
    if (comparePositions(this.options.fanOut.published(), target) >= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ target, resolve });
      this.wake();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    this.reading = true;
    this.again = false;
    this.lastReadAt = performance.now();
    let retryInMs: number | null = null;
    try {
      let full: boolean;
      let heldBack: boolean;
      do {
        const read = await readSettled(this.options.query, this.options.fanOut.published(), BATCH);
        heldBack = read.heldBack;
        if (read.changes.length > 0) await this.deliver(read.changes);
        full = read.changes.length === BATCH;
      } while (full && !this.stopped);
      this.failedDelayMs = 0;
      this.heldDelayMs = heldBack ? Math.min(HELD_MAX_MS, Math.max(HELD_MIN_MS, this.heldDelayMs * 2)) : 0;
      if (heldBack) retryInMs = this.heldDelayMs;
    } catch (err) {
      this.failedDelayMs = Math.min(FAILED_MAX_MS, Math.max(FAILED_MIN_MS, this.failedDelayMs * 2));
      if (this.repeats.fresh(err)) {
        this.options.logger.warn(
          { err, retryInMs: this.failedDelayMs },
          'could not read the event log; retrying',
        );
      }
      retryInMs = this.failedDelayMs;
    } finally {
      this.reading = false;
      this.resolveWaiters();
    }
    if (retryInMs !== null) this.readIn(retryInMs);
    // Woken while reading: something may have committed after the read's snapshot.
    if (this.again) this.wake();
  }

  /** Reads after `ms` (at once when ≤ 0), unless a read is already due sooner. */
  private readIn(ms: number): void {
    if (this.stopped) return;
    const dueAt = performance.now() + Math.max(0, ms);
    if (this.timer) {
      if (this.timerDueAt <= dueAt) return;
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (ms <= 0) {
      void this.run();
      return;
    }
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.reading) this.again = true;
      else void this.run();
    }, ms);
    this.timer.unref();
  }

  /**
   * Loads what some listener wants, then publishes the batch in one synchronous step. A listener
   * may be added while loading (it starts at the position before this batch): loading again
   * until no wanted change is missing means it receives the whole batch too.
   */
  private async deliver(changes: readonly LoggedChange[]): Promise<void> {
    const { fanOut, load } = this.options;
    // null: the change's ticket is gone since (nothing left to show).
    const loaded = new Map<string, TicketChangeEvent | null>();
    for (;;) {
      const missing = changes.filter((c) => !loaded.has(c.id) && fanOut.wants(c));
      if (missing.length === 0) break;
      for (const c of missing) loaded.set(c.id, null);
      for (const event of await load(missing)) loaded.set(event.id, event);
    }
    fanOut.publish(changes, loaded);
  }

  private resolveWaiters(): void {
    const published = this.options.fanOut.published();
    this.waiters = this.waiters.filter((w) => {
      if (comparePositions(published, w.target) < 0) return true;
      w.resolve();
      return false;
    });
  }
}
