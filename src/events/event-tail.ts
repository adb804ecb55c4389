import { comparePositions, type StreamPosition } from '../domain/stream/stream-position';
import type { Logger } from '../observability/logger';
import { RepeatFilter } from '../observability/repeat-filter';
import { readSettled, settledHead, type LoggedChange, type Query } from './event-log.store';
import type { LocalFanOut, TicketChangeEvent } from './ticket-event.bus';

const BATCH = 500;
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
  private retryTimer: NodeJS.Timeout | null = null;
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

  wake(): void {
    if (this.stopped || !this.started) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    void this.run();
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
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async run(): Promise<void> {
    this.reading = true;
    let heldBack: boolean;
    try {
      do {
        this.again = false;
        const read = await readSettled(this.options.query, this.options.fanOut.published(), BATCH);
        heldBack = read.heldBack;
        if (read.changes.length > 0) await this.deliver(read.changes);
        if (read.changes.length === BATCH) this.again = true;
      } while (this.again && !this.stopped);
      this.failedDelayMs = 0;
      this.heldDelayMs = heldBack ? Math.min(HELD_MAX_MS, Math.max(HELD_MIN_MS, this.heldDelayMs * 2)) : 0;
      if (heldBack) this.retryIn(this.heldDelayMs);
    } catch (err) {
      this.failedDelayMs = Math.min(FAILED_MAX_MS, Math.max(FAILED_MIN_MS, this.failedDelayMs * 2));
      if (this.repeats.fresh(err)) {
        this.options.logger.warn(
          { err, retryInMs: this.failedDelayMs },
          'could not read the event log; retrying',
        );
      }
      this.retryIn(this.failedDelayMs);
    } finally {
      this.reading = false;
      this.resolveWaiters();
    }
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

  private retryIn(ms: number): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.wake();
    }, ms);
    this.retryTimer.unref();
  }

  private resolveWaiters(): void {
    const published = this.options.fanOut.published();
    this.waiters = this.waiters.filter((w) => {
      if (comparePositions(published, w.target) < 0) return true;
      w.resolve();
      return false;
    });
    if (this.waiters.length > 0 && !this.retryTimer && !this.reading) this.retryIn(HELD_MIN_MS);
  }
}
