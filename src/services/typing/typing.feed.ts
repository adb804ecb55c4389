import type { Clock } from '../../domain/clock';
import { TypingLapses, type TypingSignal } from '../../domain/typing/typing-lapse';
import type { TicketEventBus } from '../../events/ticket-event.bus';

/**
 * This process's typing (docs/domain.md "Typing"): every signal from the bus (any process's,
 * this one's included) goes through the one TypingLapses, which says what subscribers are told,
 * and a timer asks it for the lapses when the next one falls due. Each process lapses what it
 * received for its own subscribers, so a lapse reaches each subscriber once, whichever process
 * it is on, without any process announcing it.
 */
export class TypingFeed {
  private readonly lapses: TypingLapses;
  private readonly byTicket = new Map<string, Set<TypingQueue>>();
  private readonly unlisten: () => void;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    bus: Pick<TicketEventBus, 'onTyping'>,
    private readonly clock: Clock,
    private readonly lapseMs: number,
  ) {
    this.lapses = new TypingLapses(lapseMs);
    this.unlisten = bus.onTyping((signal) => this.received(signal));
  }

  /** One ticket's typing from now on (who may see the ticket is the caller's check). */
  subscribe(ticketId: string): AsyncIterableIterator<TypingSignal> {
    const queue: TypingQueue = new TypingQueue(() => {
      const set = this.byTicket.get(ticketId);
      set?.delete(queue);
      if (set?.size === 0) this.byTicket.delete(ticketId);
    });
    let set = this.byTicket.get(ticketId);
    if (!set) this.byTicket.set(ticketId, (set = new Set()));
    set.add(queue);
    return queue;
  }

  /** Whether a sender should announce this signal (a renewal right after the last one is not). */
  worthAnnouncing(signal: TypingSignal): boolean {
    return this.lapses.worthAnnouncing(signal);
  }

  /**
   * Tells subscribers of every lapse due by the clock's now. The timer calls it; tests that move a
   * ManualClock call it too rather than wait for the timer to find the clock moved.
   */
  lapseDue(): void {
    for (const stopped of this.lapses.due(this.clock.now())) this.tell(stopped);
    this.schedule();
  }

  /** Live subscriptions in this process (tests wait for theirs before typing). */
  subscriberCount(): number {
    let count = 0;
    for (const set of this.byTicket.values()) count += set.size;
    return count;
  }

  stop(): void {
    this.unlisten();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private received(signal: TypingSignal): void {
    const told = this.lapses.receive(signal, this.clock.now());
    if (told) this.tell(told);
    this.schedule();
  }

  private tell(signal: TypingSignal): void {
    for (const queue of this.byTicket.get(signal.ticketId) ?? []) queue.push(signal);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const next = this.lapses.nextDue();
    if (next === null) return;
    // At most a lapse away: a clock that is not moving (a ManualClock) is looked at again, not waited on.
    const delay = Math.min(Math.max(next.getTime() - this.clock.now().getTime(), 0), this.lapseMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lapseDue();
    }, delay);
    this.timer.unref();
  }
}

/**
 * One subscriber's typing events: the latest unsent one of each author, in the order they last
 * changed, so a subscriber that does not read holds at most one per author. Written out rather than
 * as an async generator: a generator's return() waits behind a pending next().
 */
class TypingQueue implements AsyncIterableIterator<TypingSignal> {
  private readonly pending = new Map<string, TypingSignal>();
  private waiting: ((result: IteratorResult<TypingSignal>) => void) | null = null;
  private closed = false;

  constructor(private readonly onClose: () => void) {}

  push(signal: TypingSignal): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: signal, done: false });
      return;
    }
    const key = `${signal.authorType} ${signal.agentId ?? ''}`;
    this.pending.delete(key);
    this.pending.set(key, signal);
  }

  next(): Promise<IteratorResult<TypingSignal>> {
    const [first] = this.pending.entries();
    if (first) {
      this.pending.delete(first[0]);
      return Promise.resolve({ value: first[1], done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<TypingSignal>> {
    if (!this.closed) {
      this.closed = true;
      this.pending.clear();
      this.onClose();
      this.waiting?.({ value: undefined, done: true });
      this.waiting = null;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<TypingSignal> {
    return this;
  }
}
