import type { ChangeFilter } from '../domain/stream/change-filter';
import { comparePositions, type StreamPosition } from '../domain/stream/stream-position';
import type { TicketChangeEvent, TicketEventBus } from './ticket-event.bus';

const REPLAY_PAGE = 200;

/** One page of a replay: what was loaded, and how far the read got. */
export interface ReplayPage {
  events: TicketChangeEvent[];
  /** The last position read (changes whose ticket is gone are read but not loaded). */
  last: StreamPosition | null;
  /** Fewer than the limit: the range is read to its end. */
  complete: boolean;
}

export interface ChangeStreamOptions {
  bus: TicketEventBus;
  filter: ChangeFilter;
  /** Replay what matches after this position first; null: from now on. */
  after: StreamPosition | null;
  /** Reads the matching changes in (after, upTo], at most `limit`, in stream order. */
  replay: (after: StreamPosition, upTo: StreamPosition, limit: number) => Promise<ReplayPage>;
  /** Live changes held for a subscriber that is not reading; one more ends the stream. */
  capacity: number;
  /** Live changes it does not want, beyond what the filter says (messages up to a sequence). */
  skip?: (event: TicketChangeEvent) => boolean;
  /** The error the stream ends with when its buffer overflows, given the last change it sent. */
  lagging: (lastSent: StreamPosition, lastEvent: TicketChangeEvent | null) => Error;
}

/**
 * One subscriber's changes (docs/domain.md "The event stream"): with `after`, first a replay of
 * the log from there, a page at a time as the subscriber reads (the log is the buffer, so a long
 * replay costs no memory), then live from this process's fan-out. The switch happens in one tick,
 * where the replay has reached the position the fan-out has delivered up to: no gap, and a
 * position check drops anything already sent, so no duplicate either.
 *
 * Live changes wait in a buffer of `capacity`; a subscriber that lets it fill is cut off with
 * `lagging()` (carrying where to resume) instead of growing the server's memory.
 *
 * Written out rather than as an async generator: a generator's return() waits behind a pending
 * next(), which would keep an unsubscribed listener on the bus until the next change.
 */
export class ChangeStream implements AsyncIterableIterator<TicketChangeEvent> {
  private readonly buffer: TicketChangeEvent[] = [];
  /** Replay: read after this. Live: the last change taken from the fan-out. */
  private from: StreamPosition;
  private lastSent: StreamPosition;
  private lastEvent: TicketChangeEvent | null = null;
  private mode: 'replay' | 'live' | 'done';
  private unlisten: (() => void) | null = null;
  private waiting: ((result: IteratorResult<TicketChangeEvent>) => void) | null = null;
  private failure: Error | null = null;

  constructor(private readonly options: ChangeStreamOptions) {
    if (options.after === null) {
      this.from = options.bus.published();
      this.mode = 'live';
      this.attach();
    } else {
      this.from = options.after;
      this.mode = 'replay';
    }
    this.lastSent = this.from;
  }

  async next(): Promise<IteratorResult<TicketChangeEvent>> {
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      throw failure;
    }
    const buffered = this.buffer.shift();
    if (buffered) return this.sent(buffered);
    if (this.mode === 'replay') {
      const replayed = await this.replayMore();
      if (replayed) return this.sent(replayed);
    }
    if (this.mode !== 'live') return DONE;
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<TicketChangeEvent>> {
    this.close();
    this.buffer.length = 0;
    this.waiting?.(DONE);
    this.waiting = null;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<TicketChangeEvent> {
    return this;
  }

  /** The next replayed change; none once the replay has caught up (and the stream is live). */
  private async replayMore(): Promise<TicketChangeEvent | undefined> {
    while (this.mode === 'replay') {
      const upTo = this.options.bus.published();
      if (comparePositions(upTo, this.from) <= 0) {
        this.mode = 'live';
        this.attach();
        return undefined;
      }
      const page = await this.options.replay(this.from, upTo, REPLAY_PAGE);
      if (this.mode !== 'replay') return undefined; // closed while reading
      this.from = page.complete ? upTo : (page.last ?? upTo);
      this.buffer.push(...page.events);
      const first = this.buffer.shift();
      if (first) return first;
    }
    return undefined;
  }

  private attach(): void {
    this.unlisten = this.options.bus.listen(this.options.filter, (event) => this.received(event));
  }

  private received(event: TicketChangeEvent): void {
    if (comparePositions(event.position, this.from) <= 0) return;
    this.from = event.position;
    if (this.options.skip?.(event)) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(this.sent(event));
    } else if (this.buffer.length >= this.options.capacity) {
      this.close();
      this.buffer.length = 0;
      this.failure = this.options.lagging(this.lastSent, this.lastEvent);
    } else {
      this.buffer.push(event);
    }
  }

  private sent(event: TicketChangeEvent): IteratorResult<TicketChangeEvent> {
    this.lastSent = event.position;
    this.lastEvent = event;
    return { value: event, done: false };
  }

  private close(): void {
    this.mode = 'done';
    this.unlisten?.();
    this.unlisten = null;
  }
}

const DONE: IteratorResult<TicketChangeEvent> = { value: undefined, done: true };
