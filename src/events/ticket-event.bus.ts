import type { EntityManager } from '@mikro-orm/postgresql';
import type { TicketChangeKind, TicketStatus } from '../domain/ticket/ticket.enums';
import type { MessageEntity } from '../entities/message.entity';
import type { TicketEntity } from '../entities/ticket.entity';
import { EventQueue } from './event-queue';

/**
 * What is known of a change before anything is loaded (a NOTIFY carries exactly this): filters
 * see only these fields, so a process can skip loading changes none of its subscribers wants.
 */
export type TicketChangeHeader = Omit<TicketChangeEvent, 'ticket' | 'message'>;

/** One committed change of one ticket, as subscribers receive it. */
export interface TicketChangeEvent {
  /** ticket_events.id: increases with commit order for a ticket. */
  readonly id: string;
  readonly kind: TicketChangeKind;
  readonly at: Date;
  /** The agent the change is about: offered to, declined or missed by, assigned to. */
  readonly agentId: string | null;
  /** The ticket's status and assignee right after this change (filters match on these). */
  readonly status: TicketStatus;
  readonly assigneeId: string | null;
  readonly ticketId: string;
  readonly channelId: string;
  readonly requesterId: string;
  /** The ticket as committed by the change's transaction. */
  readonly ticket: TicketEntity;
  readonly message: MessageEntity | null;
}

/**
 * The one publishing module: the change runner hands it a transaction's events inside the
 * transaction and again after the commit, and subscriptions read from it. Two transports sit
 * behind these methods: in-process (one server, tests) and PostgreSQL LISTEN/NOTIFY
 * (postgres-event.bus.ts, which every process delivers from).
 */
export interface TicketEventBus {
  /** Called inside the transaction that recorded `events`, after its last write. */
  beforeCommit(tx: EntityManager, events: readonly TicketChangeEvent[]): Promise<void>;
  /** Called once that transaction has committed. */
  afterCommit(events: readonly TicketChangeEvent[]): void;
  /** Every change from now on, optionally only those `accept` lets through. */
  changes(accept?: (event: TicketChangeHeader) => boolean): AsyncIterableIterator<TicketChangeEvent>;
  /** The MESSAGE_ADDED changes of one ticket from now on. */
  messages(ticketId: string): AsyncIterableIterator<TicketChangeEvent>;
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
  /** Live subscriptions, for operations (and tests that must not publish before one is live). */
  subscriberCount(): number;
  /** Resolves once every change committed before the call has been delivered to local subscribers. */
  settle(): Promise<void>;
}

interface Listener {
  queue: EventQueue<TicketChangeEvent>;
  accept?: (event: TicketChangeHeader) => boolean;
}

/** Delivers to this process's subscribers only: the local half of every transport. */
export interface LocalTicketEventBus extends TicketEventBus {
  publish(events: readonly TicketChangeEvent[]): void;
  publishTokensRevoked(tokenIds: readonly string[]): void;
  /** Whether some local subscriber would receive this change. */
  wants(event: TicketChangeHeader & { messageId: string | null }): boolean;
}

export function createInProcessTicketEventBus(): LocalTicketEventBus {
  const all = new Set<Listener>();
  const byTicket = new Map<string, Set<Listener>>();
  const agentListeners = new Set<EventQueue<string>>();
  const revocationListeners = new Set<(tokenIds: readonly string[]) => void>();

  function listen(set: Set<Listener>, accept?: Listener['accept'], onEmpty?: () => void) {
    const listener: Listener = {
      accept,
      queue: new EventQueue(() => {
        set.delete(listener);
        if (set.size === 0) onEmpty?.();
      }),
    };
    set.add(listener);
    return listener.queue;
  }

  return {
    beforeCommit: async () => undefined,
    afterCommit(events) {
      this.publish(events);
    },
    publish(events) {
      for (const event of events) {
        for (const { queue, accept } of all) if (!accept || accept(event)) queue.push(event);
        if (event.message) for (const { queue } of byTicket.get(event.ticketId) ?? []) queue.push(event);
      }
    },
    changes(accept) {
      return listen(all, accept);
    },
    wants(event) {
      for (const { accept } of all) if (!accept || accept(event)) return true;
      return event.messageId !== null && (byTicket.get(event.ticketId)?.size ?? 0) > 0;
    },
    messages(ticketId) {
      let set = byTicket.get(ticketId);
      if (!set) byTicket.set(ticketId, (set = new Set()));
      return listen(set, undefined, () => byTicket.delete(ticketId));
    },
    publishAgentChanged(agentId) {
      for (const queue of agentListeners) queue.push(agentId);
    },
    agentChanges() {
      const queue: EventQueue<string> = new EventQueue(() => agentListeners.delete(queue));
      agentListeners.add(queue);
      return queue;
    },
    // In one process there is no commit to wait for: closing a socket a moment early, for a
    // revocation that then rolls back, costs its client a reconnect and nothing else.
    async revokeTokens(_tx, tokenIds) {
      this.publishTokensRevoked(tokenIds);
    },
    publishTokensRevoked(tokenIds) {
      for (const listener of revocationListeners) listener(tokenIds);
    },
    onTokensRevoked(listener) {
      revocationListeners.add(listener);
      return () => revocationListeners.delete(listener);
    },
    settle: async () => undefined,
    subscriberCount() {
      let count = all.size;
      for (const set of byTicket.values()) count += set.size;
      return count;
    },
  };
}
