import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TypingSignal } from '../domain/typing/typing-lapse';
import type { Logger } from '../observability/logger';
import { committedHead, firstAfter, queryOn } from './event-log.store';
import { loadChanges } from './change-loader';
import { EventTail } from './event-tail';
import { StreamConnection } from './stream-connection';
import { LocalFanOut, type TicketEventBus } from './ticket-event.bus';

/** Wake-ups: "the log has grown", sent after a commit, never inside one. */
const WAKE_CHANNEL = 'parley_wake';
/** Announcements that are not ticket changes: agent changes, revoked tokens, typing, settle markers. */
const ANNOUNCE_CHANNEL = 'parley_events';
// Wake-ups are a shortcut; this poll is the guarantee when one is missed.
const POLL_MS = 1_000;
const MIN_WAKE_INTERVAL_MS = 4;

/** A typing signal on the wire: `at` in epoch milliseconds; `p` the sending process, which has it already. */
interface WireTyping {
  y: Omit<TypingSignal, 'at'> & { at: number };
  p: string;
}

type Announcement = { a: string } | { s: string } | { r: string[] } | WireTyping;

export interface PostgresEventBus extends TicketEventBus {
  start(): Promise<void>;
  /** Whether the stream's connection is up (readiness). */
  listening(): boolean;
  /** When the oldest change committed but not yet delivered here was made; null when caught up. */
  undeliveredSince(): Promise<Date | null>;
  stop(): Promise<void>;
}

/**
 * The event stream of one process (docs/domain.md "The event stream"). Every change reaches this
 * process's listeners from the log, through its tail, in the stream's one order; nothing is sent
 * inside a writing transaction (PostgreSQL serialises the commits of transactions that NOTIFY).
 * After a commit, this process wakes its own tail at once and sends the other processes one
 * wake-up NOTIFY, at most one in flight at a time however many commits there are.
 */
export function createPostgresEventBus(options: {
  databaseUrl: string;
  em: EntityManager;
  logger: Logger;
}): PostgresEventBus {
  const { em, logger } = options;
  const fanOut = new LocalFanOut();
  const processId = randomUUID();
  const barriers = new Map<string, () => void>();
  let poll: NodeJS.Timeout | null = null;
  let hinting = false;
  let hintAgain = false;

  const connection = new StreamConnection({
    databaseUrl: options.databaseUrl,
    channels: [WAKE_CHANNEL, ANNOUNCE_CHANNEL],
    logger,
    onNotification(channel, payload) {
      if (channel === WAKE_CHANNEL) {
        if (payload !== processId) tail.wake();
      } else if (channel === ANNOUNCE_CHANNEL) {
        announced(payload);
      }
    },
    // Whatever committed while the connection was down is in the log: read it now.
    onConnected: () => tail.wake(),
  });
  const tail = new EventTail({
    query: connection.query,
    fanOut,
    load: (changes) => loadChanges(em, changes),
    logger,
  });

  function announced(payload: string): void {
    const wire = JSON.parse(payload) as Announcement;
    if ('s' in wire) {
      barriers.get(wire.s)?.();
      barriers.delete(wire.s);
    } else if ('a' in wire) {
      fanOut.publishAgentChanged(wire.a);
    } else if ('y' in wire) {
      if (wire.p !== processId) fanOut.publishTyping({ ...wire.y, at: new Date(wire.y.at) });
    } else {
      fanOut.publishTokensRevoked(wire.r);
    }
  }

  function wakeOthers(): void {
    if (hinting) {
      hintAgain = true;
      return;
    }
    hinting = true;
    void (async () => {
      do {
        hintAgain = false;
        // While the connection is down the others' polls find the change; nothing to retry.
        await connection.notify(WAKE_CHANNEL, processId).catch(() => undefined);
        // Commits in the meantime share the next wake-up: at most one every few milliseconds.
        await sleep(MIN_WAKE_INTERVAL_MS);
      } while (hintAgain);
      hinting = false;
    })();
  }

  function announce(executor: EntityManager, wire: Announcement): Promise<unknown> {
    return executor.execute('select pg_notify(?, ?)', [ANNOUNCE_CHANNEL, JSON.stringify(wire)]);
  }

  return {
    committed() {
      tail.wake();
      wakeOthers();
    },
    listen: (filter, listener) => fanOut.listen(filter, listener),
    watch: (watcher) => fanOut.watch(watcher),
    onPublished: (listener) => fanOut.onPublished(listener),
    published: () => fanOut.published(),
    publishAgentChanged(agentId) {
      void announce(em.fork(), { a: agentId }).catch((err: unknown) =>
        logger.error({ err }, 'could not announce an agent change'),
      );
    },
    agentChanges: () => fanOut.agentChanges(),
    async revokeTokens(tx, tokenIds) {
      // Inside the revoking transaction: announced only if it commits. A token id is 36
      // characters: 150 of them stay far below NOTIFY's 8,000 bytes.
      for (let i = 0; i < tokenIds.length; i += 150) {
        await announce(tx, { r: tokenIds.slice(i, i + 150) });
      }
    },
    onTokensRevoked: (listener) => fanOut.onTokensRevoked(listener),
    async publishTyping(signal) {
      // Its own statement, outside any transaction: typing is never stored. This process hears
      // every announcement back too; it takes its own at once instead (p), not a round trip later.
      await announce(em.fork(), { y: { ...signal, at: signal.at.getTime() }, p: processId });
      fanOut.publishTyping(signal);
    },
    onTyping: (listener) => fanOut.onTyping(listener),
    subscriberCount: () => fanOut.subscriberCount(),
    async settle() {
      // Announcements arrive in commit order: once our own marker is back, the earlier ones are in.
      const id = randomUUID();
      const reached = new Promise<void>((resolve) => barriers.set(id, resolve));
      await announce(em.fork(), { s: id });
      await reached;
      await tail.reached(await committedHead(queryOn(em.fork())));
    },
    async start() {
      await connection.start();
      await tail.start();
      poll = setInterval(() => tail.wake(), POLL_MS);
      poll.unref();
    },
    listening: () => connection.connected(),
    undeliveredSince: () => firstAfter(queryOn(em.fork()), fanOut.published()),
    async stop() {
      if (poll) clearInterval(poll);
      tail.stop();
      await connection.stop();
    },
  };
}
