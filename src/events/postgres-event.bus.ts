import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { TicketChangeKind, TicketStatus } from '../domain/ticket/ticket.enums';
import { MessageEntity } from '../entities/message.entity';
import { TicketEntity } from '../entities/ticket.entity';
import type { Logger } from '../observability/logger';
import { RepeatFilter } from '../observability/repeat-filter';
import {
  createInProcessTicketEventBus,
  type TicketChangeEvent,
  type TicketEventBus,
} from './ticket-event.bus';

const CHANNEL = 'parley_events';
// NOTIFY payloads are capped at 8,000 bytes; an event travels as ~250 bytes of ids and codes.
const EVENTS_PER_NOTIFY = 20;
const RECONNECT_BASE_MS = 250;
const RECONNECT_MAX_MS = 30_000;
const CONNECT_TIMEOUT_MS = 5_000;

/** One event on the wire: ids and codes only; the receiver loads the ticket and message. */
type WireEvent = [
  id: string,
  kind: TicketChangeKind,
  atMs: number,
  agentId: string | null,
  status: TicketStatus,
  assigneeId: string | null,
  ticketId: string,
  channelId: string,
  requesterId: string,
  messageId: string | null,
];

type Wire = { t: WireEvent[] } | { a: string } | { s: string } | { r: string[] };

export interface PostgresEventBus extends TicketEventBus {
  start(): Promise<void>;
  /** Whether the LISTEN connection is up (readiness). */
  listening(): boolean;
  stop(): Promise<void>;
}

/**
 * Ticket events across processes through PostgreSQL LISTEN/NOTIFY. The NOTIFY is sent inside the
 * transaction that made the change, so PostgreSQL delivers it only if that transaction commits, and
 * delivers notifications in commit order. Every process, the writer included, receives through its
 * LISTEN connection and handles notifications one at a time, so each subscriber sees changes in
 * commit order, whichever process made them.
 */
export function createPostgresEventBus(options: {
  databaseUrl: string;
  em: EntityManager;
  logger: Logger;
}): PostgresEventBus {
  const local = createInProcessTicketEventBus();
  const { em, logger } = options;
  let listener: pg.Client | null = null;
  let stopped = false;
  let attempts = 0;
  let reconnectTimer: NodeJS.Timeout | null = null;
  const repeats = new RepeatFilter(60_000);
  let chain: Promise<void> = Promise.resolve();
  const barriers = new Map<string, () => void>();

  async function deliver(payload: string): Promise<void> {
    const wire = JSON.parse(payload) as Wire;
    if ('s' in wire) {
      barriers.get(wire.s)?.();
      barriers.delete(wire.s);
      return;
    }
    if ('a' in wire) {
      local.publishAgentChanged(wire.a);
      return;
    }
    if ('r' in wire) {
      local.publishTokensRevoked(wire.r);
      return;
    }
    // Load only what some subscriber here will receive (nothing at all, most often, when nobody
    // here listens): filters decide on the header the notification carries.
    const wanted = wire.t
      .map(([id, kind, atMs, agentId, status, assigneeId, ticketId, channelId, requesterId, messageId]) => ({
        id,
        kind,
        at: new Date(atMs),
        agentId,
        status,
        assigneeId,
        ticketId,
        channelId,
        requesterId,
        messageId,
      }))
      .filter((header) => local.wants(header));
    if (wanted.length === 0) return;
    // Hydrate once per notification, for every local subscriber.
    const fork = em.fork();
    const ticketIds = [...new Set(wanted.map((e) => e.ticketId))];
    const messageIds = wanted.map((e) => e.messageId).filter((id): id is string => id !== null);
    const [tickets, messages] = await Promise.all([
      fork.find(TicketEntity, { id: { $in: ticketIds } }),
      messageIds.length ? fork.find(MessageEntity, { id: { $in: messageIds } }) : Promise.resolve([]),
    ]);
    const ticketById = new Map(tickets.map((t) => [t.id, t]));
    const messageById = new Map(messages.map((m) => [m.id, m]));
    const events: TicketChangeEvent[] = [];
    for (const { messageId, ...header } of wanted) {
      const ticket = ticketById.get(header.ticketId);
      if (!ticket) continue; // deleted since: nothing left to show
      events.push({ ...header, ticket, message: messageId ? (messageById.get(messageId) ?? null) : null });
    }
    local.publish(events);
  }

  /**
   * The LISTEN connection, kept up for as long as the bus runs: a lost connection is replaced with
   * capped exponential backoff, forever, with one log line per state change. What is committed
   * while it is down does not reach this process's subscribers (the event stream closes that gap).
   */
  async function connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: options.databaseUrl,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      const payload = message.payload;
      chain = chain
        .then(() => deliver(payload))
        .catch((err: unknown) => logger.error({ err }, 'could not deliver an event'));
    });
    const lost = (err?: Error): void => {
      if (listener !== client) return;
      listener = null;
      void client.end().catch(() => undefined);
      if (stopped) return;
      logger.warn({ err }, 'event listener connection lost; reconnecting');
      scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    listener = client;
  }

  function scheduleReconnect(): void {
    if (stopped || reconnectTimer) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** attempts);
    attempts++;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect().then(
        () => {
          if (listener) logger.info({ attempts }, 'event listener reconnected');
          attempts = 0;
        },
        (err: unknown) => {
          if (repeats.fresh(err))
            logger.warn({ err, attempts }, 'event listener could not reconnect; retrying');
          scheduleReconnect();
        },
      );
    }, delay);
    reconnectTimer.unref();
  }

  return {
    ...local,
    async beforeCommit(tx, events) {
      for (let i = 0; i < events.length; i += EVENTS_PER_NOTIFY) {
        const wire: Wire = { t: events.slice(i, i + EVENTS_PER_NOTIFY).map(toWire) };
        await notify(tx, wire);
      }
    },
    afterCommit() {
      // Delivered through LISTEN, to this process as to every other.
    },
    publishAgentChanged(agentId) {
      const wire: Wire = { a: agentId };
      void notify(em.fork(), wire).catch((err: unknown) =>
        logger.error({ err }, 'could not announce an agent change'),
      );
    },
    async revokeTokens(tx, tokenIds) {
      // A token id is 36 characters: 150 of them stay far below NOTIFY's 8,000 bytes.
      for (let i = 0; i < tokenIds.length; i += 150) {
        const wire: Wire = { r: tokenIds.slice(i, i + 150) };
        await notify(tx, wire);
      }
    },
    // Notifications arrive in commit order: once our own marker is handled, everything committed
    // before it has been delivered.
    async settle() {
      const id = randomUUID();
      const reached = new Promise<void>((resolve) => barriers.set(id, resolve));
      const wire: Wire = { s: id };
      await notify(em.fork(), wire);
      await reached;
      await chain;
    },
    start: connect,
    listening: () => listener !== null,
    async stop() {
      stopped = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = null;
      const client = listener;
      listener = null;
      await client?.end().catch(() => undefined);
      await chain;
    },
  };
}

function notify(executor: EntityManager, wire: Wire): Promise<unknown> {
  return executor.execute('select pg_notify(?, ?)', [CHANNEL, JSON.stringify(wire)]);
}

function toWire(e: TicketChangeEvent): WireEvent {
  return [
    e.id,
    e.kind,
    e.at.getTime(),
    e.agentId,
    e.status,
    e.assigneeId,
    e.ticketId,
    e.channelId,
    e.requesterId,
    e.message?.id ?? null,
  ];
}
