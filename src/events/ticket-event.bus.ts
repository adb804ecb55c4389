import type { EntityManager } from '@mikro-orm/postgresql';
import { matchesChange, type ChangeFilter } from '../domain/stream/change-filter';
import { STREAM_START, type StreamPosition } from '../domain/stream/stream-position';
import type { TypingSignal } from '../domain/typing/typing-lapse';
import type { MessageEntity } from '../entities/message.entity';
import type { TicketEntity } from '../entities/ticket.entity';
import type { LoggedChange } from './event-log.store';
import { EventQueue } from './event-queue';

/** One committed change of one ticket, as subscribers receive it: the log row, loaded. */
export interface TicketChangeEvent extends LoggedChange {
  /** The position as clients see it (`TicketChange.cursor`). */
  readonly cursor: string;
  /** The ticket as it was when the change was delivered. */
  readonly ticket: TicketEntity;
  readonly message: MessageEntity | null;
}

/** Receives the changes a listener's filter lets through, in stream order. */
export type ChangeListener = (event: TicketChangeEvent) => void;

/**
 * What services and subscriptions see of the event stream. Changes reach a process's listeners
 * only from the log (events/event-tail.ts), in the stream's one order, whichever process made them.
 */
export interface TicketEventBus {
  /** Called once a transaction that recorded changes has committed: read the log soon. */
  committed(): void;
  /**
   * Listens from the last position delivered here (published()) on; call both in the same tick,
   * so nothing falls between them. Returns the unsubscribe.
   */
  listen(filter: ChangeFilter, listener: ChangeListener): () => void;
  /** The position of the last change delivered to this process's listeners. */
  published(): StreamPosition;
  /**
   * Calls `watcher` for every change delivered here, with what the log says of it (nothing is
   * loaded for it): for figures that any change may move. Returns the unsubscribe.
   */
  watch(watcher: (change: LoggedChange) => void): () => void;
  /**
   * Calls `listener` once per batch delivered here, after the published position has moved past
   * it: for the process's own followers of the log (webhook dispatch), which are not subscribers
   * and do not count in subscriberCount. Returns the unsubscribe.
   */
  onPublished(listener: (position: StreamPosition) => void): () => void;
  /** An agent's status, capacity or skills changed (queue figures depend on them). */
  publishAgentChanged(agentId: string): void;
  agentChanges(): AsyncIterableIterator<string>;
  /**
   * Called inside the transaction that revoked these tokens: once it commits, every process hears
   * of it (`onTokensRevoked`) and closes the sockets signed in with them.
   */
  revokeTokens(tx: EntityManager, tokenIds: readonly string[]): Promise<void>;
  /** Calls `listener` with the ids of revoked tokens; returns the unsubscribe. */
  onTokensRevoked(listener: (tokenIds: readonly string[]) => void): () => void;
  /**
   * Announces a typing signal to every process (docs/domain.md "Typing"): never stored, so a process
   * that is not listening at that moment never hears of it. This process's listeners get it once,
   * after the announcement is sent.
   */
  publishTyping(signal: TypingSignal): Promise<void>;
  /** Calls `listener` with every typing signal, from any process; returns the unsubscribe. */
  onTyping(listener: (signal: TypingSignal) => void): () => void;
  /** Live listeners, for operations (and tests that must not commit before one is live). */
  subscriberCount(): number;
  /** Resolves once every change committed before the call has been delivered to local listeners. */
  settle(): Promise<void>;
}

interface Registered {
  filter: ChangeFilter;
  listener: ChangeListener;
}

/** This process's listeners: the fan-out the tail publishes into. */
export class LocalFanOut {
  private readonly all = new Set<Registered>();
  // A ticket's message feeds are many and narrow: found by ticket, not by asking each.
  private readonly byTicket = new Map<string, Set<Registered>>();
  private readonly watchers = new Set<(change: LoggedChange) => void>();
  private readonly progressListeners = new Set<(position: StreamPosition) => void>();
  private readonly agentQueues = new Set<EventQueue<string>>();
  private readonly revocationListeners = new Set<(tokenIds: readonly string[]) => void>();
  private readonly typingListeners = new Set<(signal: TypingSignal) => void>();
  private position: StreamPosition = STREAM_START;

  published(): StreamPosition {
    return this.position;
  }

  /** Where the stream starts for this process (the tail's first read). */
  startAt(position: StreamPosition): void {
    this.position = position;
  }

  listen(filter: ChangeFilter, listener: ChangeListener): () => void {
    const registered: Registered = { filter, listener };
    const ticketId = filter.ticketId;
    let set = this.all;
    if (ticketId !== null) {
      set = this.byTicket.get(ticketId) ?? new Set();
      this.byTicket.set(ticketId, set);
    }
    set.add(registered);
    return () => {
      set.delete(registered);
      if (ticketId !== null && set.size === 0) this.byTicket.delete(ticketId);
    };
  }

  watch(watcher: (change: LoggedChange) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  onPublished(listener: (position: StreamPosition) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /** Whether some listener here would receive this change (only those are loaded). */
  wants(change: LoggedChange): boolean {
    for (const { filter } of this.byTicket.get(change.ticketId) ?? [])
      if (matchesChange(change, filter)) return true;
    for (const { filter } of this.all) if (matchesChange(change, filter)) return true;
    return false;
  }

  /**
   * Delivers a batch read from the log, `loaded` holding the changes some listener wants, and
   * moves the published position to the batch's last change, synchronously: a listener added
   * after this call starts exactly where it ended.
   */
  publish(batch: readonly LoggedChange[], loaded: ReadonlyMap<string, TicketChangeEvent | null>): void {
    for (const change of batch) {
      const event = loaded.get(change.id);
      if (event) {
        for (const r of this.byTicket.get(event.ticketId) ?? [])
          if (matchesChange(event, r.filter)) r.listener(event);
        for (const r of this.all) if (matchesChange(event, r.filter)) r.listener(event);
      }
      for (const watcher of this.watchers) watcher(change);
    }
    const last = batch.at(-1);
    if (!last) return;
    this.position = last.position;
    for (const listener of this.progressListeners) listener(last.position);
  }

  publishAgentChanged(agentId: string): void {
    for (const queue of this.agentQueues) queue.push(agentId);
  }

  agentChanges(): AsyncIterableIterator<string> {
    const queue: EventQueue<string> = new EventQueue(() => this.agentQueues.delete(queue));
    this.agentQueues.add(queue);
    return queue;
  }

  publishTokensRevoked(tokenIds: readonly string[]): void {
    for (const listener of this.revocationListeners) listener(tokenIds);
  }

  onTokensRevoked(listener: (tokenIds: readonly string[]) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  publishTyping(signal: TypingSignal): void {
    for (const listener of this.typingListeners) listener(signal);
  }

  onTyping(listener: (signal: TypingSignal) => void): () => void {
    this.typingListeners.add(listener);
    return () => this.typingListeners.delete(listener);
  }

  subscriberCount(): number {
    let count = this.all.size + this.watchers.size;
    for (const set of this.byTicket.values()) count += set.size;
    return count;
  }
}
