import { print, type GraphQLFormattedError } from 'graphql';
import WebSocket from 'ws';
import {
  StreamDeliveryFeedDocument,
  type StreamDeliveryWideFeedDocument,
  StreamDeliveryLogDocument,
  type StreamDeliveryFeedSubscription,
  type StreamDeliveryLogQuery,
  type TicketFilter,
} from '../generated/operations';
import { post, sleep } from './server-process';

/**
 * What the event-stream delivery tests need beyond the graphql-ws client: a ticketChanged feed on a
 * bare graphql-transport-ws socket that can stop reading (pause) like a stalled client, keeping
 * only what each change is (not its body) so thousands of big frames cost the test nothing; a
 * client that resumes from its last cursor whenever its feed is lost; the log read back over HTTP;
 * and a message pump that retries until every message is acknowledged.
 */

/** One change as a feed received it, or as the log holds it. */
export interface SeenChange {
  cursor: string;
  kind: string;
  ticketId: string;
  sequence: number | null;
  /** Only for a feed: the body's length (frames carry whole bodies; the test keeps its size). */
  bodyLength?: number;
}

type FeedDocument = typeof StreamDeliveryFeedDocument | typeof StreamDeliveryWideFeedDocument;
type FeedVariables = { filter?: TicketFilter | null; after?: string | null };

/**
 * A bare graphql-transport-ws socket, signed in, carrying any number of ticketChanged feeds. It
 * can stop reading (pause), as a stalled client would: what the server sends then backs up in the
 * kernel's socket buffers, then in the server.
 */
export class FeedSocket {
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly feeds = new Map<string, Feed>();
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    // A lost connection's errors end in 'close', which is what the tests look at.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const feed of this.feeds.values()) feed.notify();
      }),
    );
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; id?: string; payload?: unknown };
      if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
        return;
      }
      const feed = message.id === undefined ? undefined : this.feeds.get(message.id);
      feed?.received(message.type, message.payload);
    });
  }

  /** Connects and signs in; resolves on the server's connection_ack. */
  static connect(wsUrl: string, token: string): Promise<FeedSocket> {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const connection = new FeedSocket(socket);
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.once('close', (code, reason) => reject(new Error(`closed with ${code} ${reason.toString()}`)));
      socket.once('open', () =>
        socket.send(
          JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
        ),
      );
      socket.once('message', (data: Buffer) => {
        const { type } = JSON.parse(data.toString()) as { type: string };
        if (type === 'connection_ack') resolve(connection);
        else reject(new Error(`expected connection_ack, got ${type}`));
      });
    });
  }

  /**
   * Sends the subscribe frame. The server may not listen yet when this returns: pass `after` so
   * that nothing can be missed, or wait for the server's subscriber count.
   */
  subscribe(variables: FeedVariables, document: FeedDocument = StreamDeliveryFeedDocument): Feed {
    const id = String(this.nextId++);
    const feed = new Feed(() => this.socket.readyState !== WebSocket.OPEN);
    this.feeds.set(id, feed);
    this.socket.send(
      JSON.stringify({ id, type: 'subscribe', payload: { query: print(document), variables } }),
    );
    return feed;
  }

  /** Stops reading the socket. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Drops the connection without a close handshake, as a lost network would. */
  drop(): void {
    this.socket.terminate();
  }

  close(): Promise<unknown> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.socket.terminate();
    return this.closed;
  }
}

/** One ticketChanged subscription: what it received, keeping each change's identity and not its body. */
export class Feed {
  readonly changes: SeenChange[] = [];
  readonly errors: GraphQLFormattedError[] = [];
  completed = false;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly socketGone: () => boolean) {}

  /** The cursor of the last change received (null: none yet). */
  lastCursor(): string | null {
    return this.changes.at(-1)?.cursor ?? null;
  }

  /** The extensions of the LAGGING error the subscription ended with, if it did. */
  lagging(): { code: string; resumeAfter: string } | undefined {
    const error = this.errors.find((e) => e.extensions?.code === 'LAGGING');
    return error?.extensions as { code: string; resumeAfter: string } | undefined;
  }

  /**
   * Resolves once `done()` holds; rejects after `timeoutMs`, or when the socket closed first, with
   * `describe()` in the message.
   */
  until(done: () => boolean, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (err?: Error) => {
        this.waiters.delete(check);
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (done()) finish();
        else if (this.socketGone()) finish(new Error(`the socket closed first: ${describe()}`));
      };
      const timer = setTimeout(
        () => finish(new Error(`not reached within ${timeoutMs} ms: ${describe()}`)),
        timeoutMs,
      );
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves once the subscription has ended (complete, an error) or its socket has closed. */
  ended(): Promise<void> {
    return this.until(() => this.completed || this.socketGone(), 2 ** 31 - 1);
  }

  /** Until it holds `count` changes. */
  count(count: number, timeoutMs: number): Promise<void> {
    return this.until(
      () => this.changes.length >= count,
      timeoutMs,
      () => `${this.changes.length} of ${count} changes; errors ${JSON.stringify(this.errors)}`,
    );
  }

  /** @internal: a frame for this subscription. */
  received(type: string, payload: unknown): void {
    if (type === 'next') {
      const result = payload as {
        data?: StreamDeliveryFeedSubscription | null;
        errors?: GraphQLFormattedError[];
      };
      const change = result.data?.ticketChanged;
      if (change) {
        this.changes.push({
          cursor: change.cursor,
          kind: change.kind,
          ticketId: change.ticket.id,
          sequence: change.message?.sequence ?? null,
          bodyLength: change.message?.body.length,
        });
      }
      this.errors.push(...(result.errors ?? []));
    } else if (type === 'error') {
      this.errors.push(...(payload as GraphQLFormattedError[]));
      this.completed = true;
    } else if (type === 'complete') {
      this.completed = true;
    }
    this.notify();
  }

  /** @internal */
  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A socket of its own carrying one feed. */
export async function openFeed(
  wsUrl: string,
  token: string,
  variables: FeedVariables,
  document?: FeedDocument,
): Promise<{ socket: FeedSocket; feed: Feed }> {
  const socket = await FeedSocket.connect(wsUrl, token);
  return { socket, feed: socket.subscribe(variables, document) };
}

/**
 * A client that keeps its feed going whatever happens to its socket: when the socket is lost or the
 * subscription ends with an error, it connects again (to `wsUrl(attempt)`, any process) and
 * subscribes with `after:` the last cursor it received, as a client is told to.
 */
export class ResumingFeed {
  /** Why each connection or subscription ended, in order. */
  readonly interruptions: string[] = [];
  private readonly earlier: SeenChange[] = [];
  private current: { socket: FeedSocket; feed: Feed } | null = null;
  private stopped = false;
  private attempts = 0;
  private readonly running: Promise<void>;
  private firstConnection!: () => void;
  /** Resolves once the first subscription has been sent. */
  readonly connected = new Promise<void>((resolve) => (this.firstConnection = resolve));

  constructor(
    private readonly options: {
      wsUrl: (attempt: number) => string;
      token: string;
      filter: TicketFilter;
      after: string | null;
      retryMs?: number;
    },
  ) {
    this.running = this.run();
  }

  /** Every change received, over all its connections. */
  get changes(): SeenChange[] {
    return [...this.earlier, ...(this.current?.feed.changes ?? [])];
  }

  /** Connections made (each after the first: a resumption). */
  get connections(): number {
    return this.attempts;
  }

  /** Loses the current socket, as a broken network would; the feed reconnects by itself. */
  drop(): void {
    this.current?.socket.drop();
  }

  async count(count: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.changes.length < count) {
      if (performance.now() > deadline) {
        throw new Error(
          `${this.changes.length} of ${count} changes; interruptions ${JSON.stringify(this.interruptions)}`,
        );
      }
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.current?.socket.close();
    await this.running;
  }

  private async run(): Promise<void> {
    const { wsUrl, token, filter, retryMs = 250 } = this.options;
    while (!this.stopped) {
      try {
        const socket = await FeedSocket.connect(wsUrl(this.attempts++), token);
        if (this.stopped) {
          await socket.close();
          break;
        }
        const after = this.changes.at(-1)?.cursor ?? this.options.after;
        this.current = { socket, feed: socket.subscribe({ filter, after }) };
        this.firstConnection();
        await this.current.feed.ended();
        const { feed } = this.current;
        this.interruptions.push(
          feed.errors.length > 0
            ? `ended: ${feed.errors.map((e) => String(e.extensions?.code)).join(', ')}`
            : feed.completed
              ? 'completed'
              : `socket closed: ${(await socket.closed).code}`,
        );
        await socket.close();
        this.earlier.push(...feed.changes);
        this.current = null;
      } catch (err) {
        this.interruptions.push(`could not connect: ${(err as Error).message}`);
      }
      if (!this.stopped) await sleep(retryMs);
    }
  }
}

/** Every change the caller may see that matches `filter`, after `after`, read over HTTP a page at a time. */
export async function readLog(
  httpUrl: string,
  token: string,
  filter: TicketFilter,
  after: string | null = null,
): Promise<SeenChange[]> {
  const all: SeenChange[] = [];
  for (;;) {
    const outcome = await post<StreamDeliveryLogQuery>(httpUrl, token, print(StreamDeliveryLogDocument), {
      filter,
      after,
      first: 1000,
    });
    if (outcome.kind !== 'ok') throw new Error(`ticketChanges failed: ${JSON.stringify(outcome)}`);
    const { edges, pageInfo } = outcome.data.ticketChanges;
    for (const { cursor, node } of edges) {
      all.push({
        cursor,
        kind: node.kind,
        ticketId: node.ticket.id,
        sequence: node.message?.sequence ?? null,
      });
    }
    if (!pageInfo.hasNextPage) return all;
    after = pageInfo.endCursor!;
  }
}

/** What a feed received, as the log's form (no body). */
export function withoutBodies(changes: readonly SeenChange[]): SeenChange[] {
  return changes.map(({ cursor, kind, ticketId, sequence }) => ({ cursor, kind, ticketId, sequence }));
}

/** The cursors that occur more than once. */
export function duplicates(changes: readonly SeenChange[]): string[] {
  const seen = new Set<string>();
  return changes
    .filter((c) => (seen.has(c.cursor) ? true : (seen.add(c.cursor), false)))
    .map((c) => c.cursor);
}

const RECEIVE = `mutation($input: ReceiveMessageInput!) { receiveMessage(input: $input) { duplicate } }`;

/**
 * End users writing through a channel's integration: each sends its messages one after another
 * (each with its externalMessageId, so a retry is idempotent), all users at once. A message that
 * was refused as SERVICE_UNAVAILABLE or never answered is sent again until it is acknowledged;
 * any other refusal fails the pump.
 */
export class MessagePump {
  acknowledged = 0;
  retries = 0;
  private stopping = false;
  private readonly running: Promise<void>[];

  constructor(
    private readonly options: {
      /** The server to send each message to, chosen per message (several processes: round robin). */
      url: (n: number) => string;
      channel: { id: string; token: string };
      users: number;
      /** Messages per user; Infinity: until stop(). */
      perUser: number;
      bodyBytes: number;
      /** Tells this pump's end users apart from another's on the same channel. */
      prefix: string;
      /** Pause between one user's messages. */
      gapMs?: number;
    },
  ) {
    this.running = Array.from({ length: options.users }, (_, user) => this.user(user));
  }

  /** Resolves when every user has sent (and had acknowledged) all its messages. */
  done(): Promise<void> {
    return Promise.all(this.running).then(() => undefined);
  }

  /** Stops after each user's current message is acknowledged. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.done();
  }

  private async user(user: number): Promise<void> {
    const { channel, perUser, bodyBytes, prefix, gapMs = 0 } = this.options;
    for (let m = 1; m <= perUser && !this.stopping; m++) {
      const externalMessageId = `${prefix}-u${user}-m${m}`;
      const body = `${externalMessageId} `.padEnd(bodyBytes, 'x');
      for (let attempt = 0; ; attempt++) {
        const outcome = await post<unknown>(this.options.url(user + m), channel.token, RECEIVE, {
          input: { channelId: channel.id, externalUserId: `${prefix}-u${user}`, externalMessageId, body },
        });
        if (outcome.kind === 'ok') break;
        const unavailable =
          outcome.kind === 'unanswered' ||
          (outcome.status === 503 &&
            outcome.errors.every((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE'));
        if (!unavailable || attempt > 600)
          throw new Error(`message ${externalMessageId}: ${JSON.stringify(outcome)}`);
        this.retries++;
        await sleep(50);
      }
      this.acknowledged++;
      if (gapMs > 0) await sleep(gapMs);
    }
  }
}
