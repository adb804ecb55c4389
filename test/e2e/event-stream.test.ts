import type { GraphQLFormattedError } from 'graphql';
import pg from 'pg';
import {
  AcceptTicketDocument,
  AssignmentsAfterDocument,
  DeclineTicketDocument,
  MessageAddedAfterDocument,
  SendMessageDocument,
  SetAgentStatusOfDocument,
  TicketChangedAfterDocument,
  TicketChangesDocument,
  TicketMessagesDocument,
  UpdateRoutingSettingsDocument,
  UpdateTicketStatusDocument,
  type ChangeFieldsFragment,
  type MessageFieldsFragment,
  type TicketChangesQuery,
  type TicketFilter,
  type TicketMessagesQuery,
  type TicketStatus,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  SocketPool,
  subscribeLive,
  subscribeWs,
  waitForSubscribers,
  type LiveSubscription,
} from '../support/ws-client';

/**
 * docs/domain.md "The event stream", end to end: ticketChanges pages, and ticketChanged /
 * assignments / messageAdded replaying from a position while changes keep committing, then going
 * live, with no gap and no duplicate at the seam. A replay reads 200 matching changes a page
 * (src/events/change-stream.ts); each resume here spans several.
 *
 * Volume comes cheaply from routing: an agent ("bulk") with a skill only its channel's tickets
 * need, switched ONLINE (one routing run offers it every waiting ticket) and AWAY (one transaction
 * withdraws them all), dozens of changes per request, interleaved with single-change requests.
 */

let t: TestApp;
let db: pg.Client;
const sockets = new SocketPool(() => t.wsUrl);
/** OFFLINE: tickets an admin gives it stay with it, and routing offers it nothing. */
let desk: { id: string; token: string };
/** AWAY between tests; offered every waiting ticket while ONLINE. */
let bulk: { id: string; token: string };
let bulkChannel: Channel;
const BULK_TICKETS = 60;
/** A ticket with the desk agent whose thread grows in every resume test (messageAdded replays it). */
let thread: DeskTicket;

beforeAll(async () => {
  t = await startTestApp({
    limits: { rateLimits: { messages: null, mutations: null } },
    // No sweep during the tests: it would commit changes of its own.
    scheduler: { sweepEveryMs: 3_600_000 },
  });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
  // Offers must not expire (Agenda runs expiries by wall time) while a test runs.
  await t.client.ok(UpdateRoutingSettingsDocument, { input: { offerTimeoutSeconds: 3_600 } }, t.adminToken);
  desk = await createAgent(t, { status: 'OFFLINE', capacity: 100 });
  bulk = await createAgent(t, { status: 'OFFLINE', capacity: 100, skills: ['stream-bulk'] });
  bulkChannel = await createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: ['stream-bulk'] });
  const creators = churn(
    [0, 1, 2].map((w) => (i: number) => receive(t, bulkChannel, `bulk-${w}-${i}`, 'waiting')),
  );
  await creators.more(BULK_TICKETS);
  await creators.stop();
  await setBulk('AWAY');
  thread = await deskTicket(await createChannel(t, 'SOCIAL_MESSAGING'), 'thread');
}, 60_000);
afterEach(async () => {
  await sockets.closeAll();
});
afterAll(async () => {
  await db?.end();
  await t?.close();
});

// --------------------------------------------------------------------------------------------------
// Helpers

type Change = ChangeFieldsFragment;
type Channel = { id: string; token: string };
type Edge = { cursor: string; node: Change };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ASSIGNMENT_KINDS = new Set(['OFFERED', 'OFFER_DECLINED', 'OFFER_EXPIRED', 'ASSIGNED']);

/** What identifies a delivered change: its position and what it is about. */
const shape = (c: Change) => [c.cursor, c.kind, c.ticket.id, c.message?.id ?? null];

/** Every change after `after` the caller may see, through ticketChanges pages of `first`. */
async function readAll(
  after: string | null,
  options: { filter?: TicketFilter; token?: string; first?: number } = {},
): Promise<Change[]> {
  const changes: Change[] = [];
  let cursor = after;
  for (;;) {
    const { ticketChanges } = await t.client.ok(
      TicketChangesDocument,
      { after: cursor, filter: options.filter, first: options.first ?? 1_000 },
      options.token ?? t.adminToken,
    );
    for (const edge of ticketChanges.edges) {
      expect(edge.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(edge.node.cursor).toBe(edge.cursor);
    }
    changes.push(...ticketChanges.edges.map((edge) => edge.node));
    expect(ticketChanges.pageInfo.endCursor).toBe(ticketChanges.edges.at(-1)?.cursor ?? null);
    if (!ticketChanges.pageInfo.hasNextPage) return changes;
    cursor = ticketChanges.pageInfo.endCursor!;
  }
}

let known: string | null = null;
/** The cursor of the last change so far (null: none yet), once nothing more commits. */
async function head(): Promise<string | null> {
  await quiesce();
  known = (await readAll(known)).at(-1)?.cursor ?? known;
  return known;
}

/**
 * Waits until nothing has committed for 400 ms (a routing run may follow a request by a moment;
 * one that skipped a ticket held elsewhere runs again 100 ms later), then until every committed
 * change has reached this process's subscribers.
 */
async function quiesce(): Promise<void> {
  let last = '';
  for (let stable = 0; stable < 5;) {
    const { rows } = await db.query<{ n: string }>(
      `select count(*) || ':' || coalesce(max(id), 0) as n from ticket_events`,
    );
    stable = rows[0]!.n === last ? stable + 1 : 0;
    last = rows[0]!.n;
    await sleep(100);
  }
  await t.app.services.events.settle();
}

/**
 * Concurrent writers: each loop calls its step with 0, 1, 2 … until stopped. The first failure
 * stops them all and is thrown by more() and stop().
 */
function churn(loops: ((i: number) => Promise<unknown>)[]) {
  let stopped = false;
  let paused = false;
  let failure: unknown = null;
  let ops = 0;
  const running = loops.map(async (step) => {
    for (let i = 0; !stopped; i++) {
      while (paused && !stopped) await new Promise((resolve) => setTimeout(resolve, 10));
      if (stopped) return;
      try {
        await step(i);
      } catch (err) {
        failure ??= err;
        stopped = true;
        return;
      }
      ops++;
    }
  });
  return {
    ops: () => ops,
    pause: () => void (paused = true),
    resume: () => void (paused = false),
    /** Resolves once `n` more steps have completed. */
    async more(n: number, timeoutMs = 30_000) {
      const target = ops + n;
      await until(
        () => {
          if (failure) throw failure;
          return ops >= target;
        },
        `${n} more writes`,
        timeoutMs,
      );
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
      if (failure) throw failure;
    },
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const status = (ticketId: string, to: TicketStatus) =>
  t.client.ok(UpdateTicketStatusDocument, { ticketId, status: to }, t.adminToken);
const reply = (ticketId: string, body: string) =>
  t.client.ok(SendMessageDocument, { ticketId, body }, t.adminToken);

let bulkStatus: 'ONLINE' | 'AWAY' | 'OFFLINE' = 'OFFLINE';
async function setBulk(to: 'ONLINE' | 'AWAY'): Promise<void> {
  if (bulkStatus === to) return;
  bulkStatus = to;
  await t.client.ok(SetAgentStatusOfDocument, { agentId: bulk.id, status: to }, t.adminToken);
}
/** A writer step: the bulk agent ONLINE (offered every waiting ticket it may take), then AWAY (all withdrawn). */
const toggleBulk = () => setBulk(bulkStatus === 'ONLINE' ? 'AWAY' : 'ONLINE');

type DeskTicket = { id: string; channel: Channel; user: string };

/** A ticket of one writer's own, OPEN with the desk agent. */
async function deskTicket(channel: Channel, user: string): Promise<DeskTicket> {
  const id = (await receive(t, channel, user, 'hello')).ticket.id;
  await assign(t, id, desk.id);
  return { id, channel, user };
}

/**
 * One writer's loop over its own ticket: each step commits a change or two, of the kinds a ticket
 * goes through without routing, back to OPEN every six steps.
 */
function ticketLoop(x: DeskTicket) {
  const steps: ((i: number) => Promise<unknown>)[] = [
    () => status(x.id, 'PENDING'),
    (i) => receive(t, x.channel, x.user, `back ${i}`), // PENDING → OPEN, and the message
    (i) => reply(x.id, `reply ${i}`),
    () => status(x.id, 'ON_HOLD'),
    () => status(x.id, 'OPEN'),
    (i) => receive(t, x.channel, x.user, `more ${i}`),
  ];
  return (i: number) => steps[i % steps.length]!(i);
}

/** A writer step: a message on the thread, from the end user or the agent's side. */
const threadWriter = (i: number) =>
  i % 2 ? reply(thread.id, `agent ${i}`) : receive(t, thread.channel, thread.user, `customer ${i}`);

/**
 * Waits until each subscription has its count of events, then a moment more, so that an extra
 * one would show.
 */
async function received(...expected: [LiveSubscription<unknown>, number][]): Promise<void> {
  for (const [live, count] of expected) await live.waitFor(count, 20_000);
  await sleep(250);
  for (const [live] of expected) expect(live.errors).toEqual([]);
}

async function exactly<T>(live: LiveSubscription<T>, count: number): Promise<T[]> {
  await received([live, count]);
  return live.events;
}

/** The codes and fields of the errors a refused subscription got. */
async function refusal(live: LiveSubscription<unknown>): Promise<{ code: string; field: unknown }[]> {
  await until(() => live.errors.length > 0, 'a refusal', 5_000);
  return live.errors
    .flatMap((e) => (Array.isArray(e) ? (e as unknown[]) : [e]))
    .map((e) => {
      const { extensions } = e as GraphQLFormattedError;
      return { code: String(extensions?.code), field: extensions?.field };
    });
}

/** Counts the replay's page reads (white box: src/services/ticket-change.service.ts `replay`). */
/**
 * Waits for a subscription resumed with a cursor to go live while `writers` go on. Writers faster
 * than the replay (a loaded machine) would keep it from ever catching up: once it has read a page
 * and a write has committed since it began, they pause until it is live, then carry on.
 */
async function replayCaughtUp(
  writers: ReturnType<typeof churn>,
  subscribers: number,
  opsAtSubscribe: number,
  pages: ReturnType<typeof countReplayPages>,
): Promise<void> {
  const live = () => t.app.services.events.subscriberCount() > subscribers;
  await until(
    () => live() || (pages.mock.calls.length > 0 && writers.ops() > opsAtSubscribe),
    'the replay under way',
    60_000,
  );
  if (live()) return;
  writers.pause();
  await waitForSubscribers(() => t.app.services.events.subscriberCount(), subscribers + 1, 60_000);
  writers.resume();
}

function countReplayPages() {
  const service = t.app.services.ticketChanges as unknown as { replay: (...args: unknown[]) => unknown };
  return jest.spyOn(service, 'replay');
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

// --------------------------------------------------------------------------------------------------

describe('ticketChanges', () => {
  it('pages oldest first, 7 at a time, through the whole log: the changes a live subscriber got, in its order', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const start = await head();
    const ws = await sockets.connect(t.adminToken);
    const live = await subscribeLive(t.app.services.events, ws.client, TicketChangedAfterDocument, {});

    const writers = churn([
      ticketLoop(await deskTicket(channel, 'pages-a')),
      ticketLoop(await deskTicket(channel, 'pages-b')),
    ]);
    await writers.more(20);
    await writers.stop();
    await quiesce();

    const pages: { edges: Edge[]; hasNextPage: boolean; endCursor?: string | null }[] = [];
    let after: string | null = null;
    for (;;) {
      const res: TicketChangesQuery = await t.client.ok(
        TicketChangesDocument,
        { after, first: 7 },
        t.adminToken,
      );
      const { edges, pageInfo } = res.ticketChanges;
      pages.push({ edges, ...pageInfo });
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor!;
    }
    const edges = pages.flatMap((page) => page.edges);
    // Full pages that say there is a next one; then the last, which says there is none.
    expect(pages.slice(0, -1).every((p) => p.edges.length === 7 && p.hasNextPage)).toBe(true);
    expect(pages.at(-1)!.edges.length).toBeGreaterThanOrEqual(1);
    expect(pages.at(-1)!.edges.length).toBeLessThanOrEqual(7);
    for (const edge of edges) expect(edge.cursor).toBe(edge.node.cursor);
    expect(new Set(edges.map((e) => e.cursor)).size).toBe(edges.length);

    // The whole log: the waiting bulk tickets (CREATED, MESSAGE_ADDED each), then what the live
    // subscriber received, change for change, cursor for cursor.
    const before = edges.findIndex((e) => e.cursor === start);
    expect(before).toBeGreaterThanOrEqual(BULK_TICKETS * 2 - 1);
    const received = (await exactly(live, edges.length - before - 1)).map((e) => e.ticketChanged);
    expect(received.length).toBeGreaterThan(20);
    expect(edges.slice(before + 1).map((e) => shape(e.node))).toEqual(received.map(shape));
    // Any page size reads the same log.
    expect((await readAll(null)).map(shape)).toEqual(edges.map((e) => shape(e.node)));
    expect((await readAll(start, { first: 1 })).map(shape)).toEqual(received.map(shape));
    // After the last change there is nothing; first: 0 reads nothing; the default page is 100.
    const last = await t.client.ok(TicketChangesDocument, { after: edges.at(-1)!.cursor }, t.adminToken);
    expect(last.ticketChanges).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    const none = await t.client.ok(TicketChangesDocument, { first: 0 }, t.adminToken);
    expect(none.ticketChanges.edges).toEqual([]);
    const byDefault = await t.client.ok(TicketChangesDocument, {}, t.adminToken);
    expect(byDefault.ticketChanges.edges.map((e) => e.cursor)).toEqual(
      edges.slice(0, 100).map((e) => e.cursor),
    );
    expect(byDefault.ticketChanges.pageInfo).toEqual({ hasNextPage: true, endCursor: edges[99]!.cursor });
  });

  const MALFORMED: [string, string][] = [
    ['empty', ''],
    ['not base64', 'abc'],
    ['base64 of garbage', b64('\u0000\u00ff garbage \u{1F600}')],
    ['a cursor with an extra field', b64('s1:1:2:3')],
    ['a cursor of another version', b64('s2:1:2')],
    ['a huge number', '9'.repeat(40)],
    ['an xid past 64 bits', b64('s1:18446744073709551616:1')],
    // Log ids are PostgreSQL bigints: an id past 2^63 - 1 is no position this server issued.
    ['an id past 2^63 - 1', b64('s1:1:9223372036854775808')],
    ['an id of 2^64 - 1', b64('s1:1:18446744073709551615')],
    ['a tickets cursor', b64('["2026-03-01T09:00:00.000Z","00000000-0000-4000-8000-000000000000"]')],
    ['standard base64, padded', Buffer.from('s1:1:23').toString('base64')],
    ['too long', 'A'.repeat(200)],
  ];

  it.each(MALFORMED)(
    'refuses %s as `after` with BAD_USER_INPUT on ticketChanges, ticketChanged and assignments, changing nothing',
    async (_name, cursor) => {
      const before = await t.snapshot();
      const res = await t.client.execute(TicketChangesDocument, { after: cursor }, t.adminToken);
      expect(res.data ?? null).toBeNull();
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.extensions?.field).toBe('after');

      const ws = await sockets.connect(t.adminToken);
      const changed = subscribeWs(ws.client, TicketChangedAfterDocument, { after: cursor });
      const assignments = subscribeWs(ws.client, AssignmentsAfterDocument, {
        agentId: bulk.id,
        after: cursor,
      });
      expect(await refusal(changed)).toEqual([{ code: 'BAD_USER_INPUT', field: 'after' }]);
      expect(await refusal(assignments)).toEqual([{ code: 'BAD_USER_INPUT', field: 'after' }]);
      expect([...changed.events, ...assignments.events]).toEqual([]);
      expect(await t.snapshot()).toEqual(before);
    },
  );

  it.each([1_001, -1, 2 ** 31 - 1])('refuses first: %p with BAD_USER_INPUT (field first)', async (first) => {
    const res = await t.client.execute(TicketChangesDocument, { first }, t.adminToken);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.extensions?.field).toBe('first');
  });

  it.each([1, 60])(
    'refuses a filter of %p unknown statuses as BAD_USER_INPUT alone, over HTTP and WebSocket',
    async (n) => {
      // Found by fuzzing: over graphql-ws a variable's bad value was INTERNAL_SERVER_ERROR, and past
      // 50 of them graphql-js's own "too many errors" was, over HTTP too.
      const statuses = Array.from({ length: n }, (_, i) => `S${i}`) as TicketStatus[];
      const res = await t.client.execute(TicketChangesDocument, { filter: { statuses } }, t.adminToken);
      expect(new Set(errorCodes(res))).toEqual(new Set(['BAD_USER_INPUT']));
      const ws = await sockets.connect(t.adminToken);
      const live = subscribeWs(ws.client, TicketChangedAfterDocument, { filter: { statuses } });
      expect(new Set((await refusal(live)).map((r) => r.code))).toEqual(new Set(['BAD_USER_INPUT']));
      const messages = subscribeWs(ws.client, MessageAddedAfterDocument, {
        ticketId: thread.id,
        afterSequence: 'one' as unknown as number,
      });
      expect(await refusal(messages)).toEqual([{ code: 'BAD_USER_INPUT', field: undefined }]);
    },
  );

  it('reads first: 1000 and refuses anonymous callers', async () => {
    const ok = await t.client.execute(TicketChangesDocument, { first: 1_000 }, t.adminToken);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.ticketChanges.edges.length).toBeGreaterThan(BULK_TICKETS);
    const anonymous = await t.client.execute(TicketChangesDocument, {});
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });
});

// --------------------------------------------------------------------------------------------------

describe('resuming while changes commit', () => {
  it('ticketChanged(after): the changes after the cursor, replayed over several pages, then live; no gap, no duplicate', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const start = await head();
    const ws = await sockets.connect(t.adminToken);
    const first = await subscribeLive(t.app.services.events, ws.client, TicketChangedAfterDocument, {});

    const own = await deskTicket(channel, 'resume');
    const writers = churn([ticketLoop(own), threadWriter, threadWriter, toggleBulk]);
    // A cursor the first subscriber was sent early on, and enough after it for several replay pages.
    const cursor = (await first.waitFor(5))[4]!.ticketChanged.cursor;
    await first.waitFor(5 + 420, 30_000);

    // Resume from there while the writers go on: it joins the fan-out once its replay has caught up.
    const pages = countReplayPages();
    const subscribers = t.app.services.events.subscriberCount();
    const opsAtSubscribe = writers.ops();
    const resumed = subscribeWs(ws.client, TicketChangedAfterDocument, { after: cursor });
    await replayCaughtUp(writers, subscribers, opsAtSubscribe, pages);
    const duringReplay = writers.ops() - opsAtSubscribe;
    const replayPages = pages.mock.calls.length;
    pages.mockRestore();
    // Some more across the seam, live.
    await writers.more(8);
    await writers.stop();
    await setBulk('AWAY');
    await quiesce();

    const expected = await readAll(cursor);
    const got = (await exactly(resumed, expected.length)).map((e) => e.ticketChanged);
    expect(new Set(got.map((c) => c.cursor)).size).toBe(got.length);
    expect(got.map(shape)).toEqual(expected.map(shape));
    expect(expected.length).toBeGreaterThan(420);
    expect(replayPages).toBeGreaterThanOrEqual(3);
    expect(duringReplay).toBeGreaterThan(0);
    // And exactly what the first subscriber was sent after that cursor.
    const all = (await exactly(first, (await readAll(start)).length)).map((e) => e.ticketChanged);
    const at = all.findIndex((c) => c.cursor === cursor);
    expect(all.slice(at + 1).map(shape)).toEqual(got.map(shape));
  });

  it("assignments(agentId, after): the agent's offers, refusals and assignments after the cursor, then live", async () => {
    const start = await head();
    const ws = await sockets.connect(bulk.token);
    const first = await subscribeLive(t.app.services.events, ws.client, AssignmentsAfterDocument, {
      agentId: bulk.id,
    });

    // One writer brings new tickets the agent accepts (then PENDING, freeing its room) or declines;
    // another switches it ONLINE and AWAY (its offers made, then withdrawn); a third is noise.
    const answer = async (i: number) => {
      const ticketId = (await receive(t, bulkChannel, `answer-${i}`, 'hello')).ticket.id;
      const decline = i % 3 === 2;
      const res = decline
        ? await t.client.execute(DeclineTicketDocument, { ticketId }, bulk.token)
        : await t.client.execute(AcceptTicketDocument, { ticketId }, bulk.token);
      if (res.errors) {
        // Not offered to it (AWAY at the time, or the offer just withdrawn): an admin gives it the
        // ticket instead, or it waits for the next time the agent is ONLINE.
        expect(errorCodes(res).every((c) => c === 'ILLEGAL_TRANSITION' || c === 'FORBIDDEN')).toBe(true);
        if (decline) return;
        await assign(t, ticketId, bulk.id);
      }
      if (!decline) await status(ticketId, 'PENDING'); // frees the agent's room
    };
    const writers = churn([answer, toggleBulk, threadWriter]);
    const cursor = (await first.waitFor(5))[4]!.assignments.cursor;
    await first.waitFor(5 + 420, 30_000);

    const pages = countReplayPages();
    const subscribers = t.app.services.events.subscriberCount();
    const opsAtSubscribe = writers.ops();
    const resumed = subscribeWs(ws.client, AssignmentsAfterDocument, { agentId: bulk.id, after: cursor });
    await replayCaughtUp(writers, subscribers, opsAtSubscribe, pages);
    const duringReplay = writers.ops() - opsAtSubscribe;
    const replayPages = pages.mock.calls.length;
    pages.mockRestore();
    await writers.more(8);
    await writers.stop();
    await setBulk('AWAY');
    await quiesce();

    // Only this agent is ever ONLINE or given tickets meanwhile: every offer, refusal and
    // assignment in the log after the cursor is about it.
    const expected = (await readAll(cursor)).filter((c) => ASSIGNMENT_KINDS.has(c.kind));
    const got = (await exactly(resumed, expected.length)).map((e) => e.assignments);
    expect(new Set(got.map((c) => c.cursor)).size).toBe(got.length);
    expect(got.map(shape)).toEqual(expected.map(shape));
    expect(expected.length).toBeGreaterThan(420);
    expect(new Set(got.map((c) => c.kind))).toEqual(new Set(['OFFERED', 'OFFER_DECLINED', 'ASSIGNED']));
    expect(replayPages).toBeGreaterThanOrEqual(3);
    expect(duringReplay).toBeGreaterThan(0);
    const all = (
      await exactly(first, (await readAll(start)).filter((c) => ASSIGNMENT_KINDS.has(c.kind)).length)
    ).map((e) => e.assignments);
    const at = all.findIndex((c) => c.cursor === cursor);
    expect(all.slice(at + 1).map(shape)).toEqual(got.map(shape));
  });

  it('messageAdded(ticketId, afterSequence): the messages after it, in sequence, then live; contiguous, no duplicate', async () => {
    // The thread grew in the tests above; enough of it for a replay of two pages (200 each).
    const AFTER = 9;
    const writers = churn([threadWriter, threadWriter, toggleBulk]);
    await until(() => writers.ops() > 0, 'a first write');
    // (A step of the bulk writer is no message: a margin for those.)
    const missing = AFTER + 210 - (await messagesOf(thread.id)).length;
    if (missing > 0) await writers.more(missing + 20);

    // The thread's channel's integration resumes while messages keep arriving.
    const ws = await sockets.connect(thread.channel.token);
    const subscribers = t.app.services.events.subscriberCount();
    const pages = countReplayPages();
    const opsAtSubscribe = writers.ops();
    const resumed = subscribeWs(ws.client, MessageAddedAfterDocument, {
      ticketId: thread.id,
      afterSequence: AFTER,
    });
    await replayCaughtUp(writers, subscribers, opsAtSubscribe, pages);
    const duringReplay = writers.ops() - opsAtSubscribe;
    const replayPages = pages.mock.calls.length;
    pages.mockRestore();
    await writers.more(8);
    await writers.stop();
    await setBulk('AWAY');
    await quiesce();

    const messages = await messagesOf(thread.id);
    expect(messages.map((m) => m.sequence)).toEqual(messages.map((_, i) => i + 1));
    expect(messages.length).toBeGreaterThan(AFTER + 200);
    const got = (await exactly(resumed, messages.length - AFTER)).map((e) => e.messageAdded);
    expect(got.map((m) => [m.sequence, m.id, m.body, m.ticket.id])).toEqual(
      messages.slice(AFTER).map((m) => [m.sequence, m.id, m.body, thread.id]),
    );
    expect(replayPages).toBeGreaterThanOrEqual(2);
    expect(duringReplay).toBeGreaterThan(0);

    // From the last sequence: nothing replayed, the next message live.
    const last = messages.at(-1)!.sequence;
    const fromLast = await subscribeLive(t.app.services.events, ws.client, MessageAddedAfterDocument, {
      ticketId: thread.id,
      afterSequence: last,
    });
    const next = await reply(thread.id, 'one more');
    expect((await exactly(fromLast, 1)).map((e) => [e.messageAdded.sequence, e.messageAdded.id])).toEqual([
      [last + 1, next.sendMessage.id],
    ]);

    // Past the last sequence (a client that knows of messages this process has not delivered
    // yet): the messages up to it are not sent live either.
    const ahead = await subscribeLive(t.app.services.events, ws.client, MessageAddedAfterDocument, {
      ticketId: thread.id,
      afterSequence: last + 3,
    });
    await reply(thread.id, 'skipped: the client has it');
    await reply(thread.id, 'skipped too');
    const third = await reply(thread.id, 'after the cursor');
    expect((await exactly(ahead, 1)).map((e) => [e.messageAdded.sequence, e.messageAdded.id])).toEqual([
      [last + 4, third.sendMessage.id],
    ]);

    const negative = subscribeWs(ws.client, MessageAddedAfterDocument, {
      ticketId: thread.id,
      afterSequence: -1,
    });
    expect(await refusal(negative)).toEqual([{ code: 'BAD_USER_INPUT', field: 'afterSequence' }]);
  });
});

async function messagesOf(ticketId: string): Promise<MessageFieldsFragment[]> {
  const messages: MessageFieldsFragment[] = [];
  let after: string | null = null;
  for (;;) {
    const { ticket }: TicketMessagesQuery = await t.client.ok(
      TicketMessagesDocument,
      { id: ticketId, first: 100, after },
      t.adminToken,
    );
    messages.push(...ticket!.messages.edges.map((e) => e.node));
    if (!ticket!.messages.pageInfo.hasNextPage) return messages;
    after = ticket!.messages.pageInfo.endCursor!;
  }
}

// --------------------------------------------------------------------------------------------------

describe('visibility and filters', () => {
  it('an integration sees only its channel, live and in catch-up, whatever channel it asks for; agents and admins see all', async () => {
    const a = await createChannel(t, 'SOCIAL_MESSAGING');
    const b = await createChannel(t, 'SOCIAL_MESSAGING');
    const start = await head();
    const [adminWs, integrationWs] = [await sockets.connect(t.adminToken), await sockets.connect(a.token)];
    const live = {
      own: await subscribeLive(t.app.services.events, integrationWs.client, TicketChangedAfterDocument, {}),
      other: await subscribeLive(t.app.services.events, integrationWs.client, TicketChangedAfterDocument, {
        filter: { channelId: b.id },
      }),
    };
    await visibilityBatch(a, b);

    const admin = await readAll(start);
    const onA = admin.filter((c) => c.ticket.channel.id === a.id);
    expect(onA.length).toBeGreaterThan(5);
    expect(admin.length).toBeGreaterThan(onA.length);
    expect(new Set(admin.map((c) => c.ticket.channel.id))).toEqual(new Set([a.id, b.id]));
    // An agent sees what an admin sees.
    expect((await readAll(start, { token: desk.token })).map(shape)).toEqual(admin.map(shape));
    expect((await readAll(start, { filter: { channelId: a.id } })).map(shape)).toEqual(onA.map(shape));

    // The integration of channel A: A's changes, read or replayed or live; asking for B's, nothing.
    expect((await readAll(start, { token: a.token })).map(shape)).toEqual(onA.map(shape));
    expect(await readAll(start, { token: a.token, filter: { channelId: b.id } })).toEqual([]);
    const replayed = subscribeWs(integrationWs.client, TicketChangedAfterDocument, { after: start });
    const replayedOther = subscribeWs(integrationWs.client, TicketChangedAfterDocument, {
      after: start,
      filter: { channelId: b.id },
    });
    // The admin's replay has both.
    const adminReplay = subscribeWs(adminWs.client, TicketChangedAfterDocument, { after: start });
    await received(
      [replayed, onA.length],
      [live.own, onA.length],
      [replayedOther, 0],
      [live.other, 0],
      [adminReplay, admin.length],
    );
    const shapes = (sub: LiveSubscription<{ ticketChanged: Change }>) =>
      sub.events.map((e) => shape(e.ticketChanged));
    expect(shapes(replayed)).toEqual(onA.map(shape));
    expect(shapes(live.own)).toEqual(onA.map(shape));
    expect(replayedOther.events).toEqual([]);
    expect(live.other.events).toEqual([]);
    expect(shapes(adminReplay)).toEqual(admin.map(shape));
  });

  it('statuses, assigneeId, channelId and requesterId select the same changes live, replayed and read', async () => {
    const a = await createChannel(t, 'SOCIAL_MESSAGING');
    const b = await createChannel(t, 'SOCIAL_MESSAGING');
    const requester = (await receive(t, a, 'filtered-requester', 'first')).ticket.requester.id;
    const start = await head();
    const filters: TicketFilter[] = [
      { statuses: ['PENDING'] },
      { statuses: ['OPEN', 'ON_HOLD'], channelId: b.id },
      { assigneeId: desk.id },
      { assigneeId: desk.id.toUpperCase() },
      { channelId: a.id },
      { requesterId: requester },
      { requesterId: requester, statuses: ['OPEN'] },
      { statuses: [] },
      { assigneeId: 'not-an-id' },
    ];
    const ws = await sockets.connect(t.adminToken);
    const live: LiveSubscription<{ ticketChanged: Change }>[] = [];
    for (const filter of filters) {
      live.push(
        await subscribeLive(t.app.services.events, ws.client, TicketChangedAfterDocument, { filter }),
      );
    }
    await visibilityBatch(a, b);

    const reads: unknown[][][] = [];
    for (const filter of filters) reads.push((await readAll(start, { filter })).map(shape));
    const replays = filters.map((filter) =>
      subscribeWs(ws.client, TicketChangedAfterDocument, { filter, after: start }),
    );
    await received(
      ...filters.flatMap((_, i): [LiveSubscription<unknown>, number][] => [
        [replays[i]!, reads[i]!.length],
        [live[i]!, reads[i]!.length],
      ]),
    );
    for (const [i, filter] of filters.entries()) {
      expect({
        filter,
        replayed: replays[i]!.events.map((e) => shape(e.ticketChanged)),
        live: live[i]!.events.map((e) => shape(e.ticketChanged)),
      }).toEqual({ filter, replayed: reads[i], live: reads[i] });
    }
    const counts = reads.map((read) => read.length);
    // Each filter selects something, except the ones nothing can match; ids compare in any case.
    expect(counts.slice(0, 7).every((n) => n > 0)).toBe(true);
    expect(counts.slice(7)).toEqual([0, 0]);
    expect(counts[2]).toBe(counts[3]);
    const all = await readAll(start);
    expect(counts[4]).toBe(all.filter((c) => c.ticket.channel.id === a.id).length);
  });
});

/**
 * On each channel: a ticket given to the desk agent and taken through PENDING, ON_HOLD and back,
 * with messages; and a ticket left waiting. Returns once everything is delivered.
 */
async function visibilityBatch(a: Channel, b: Channel): Promise<void> {
  for (const channel of [a, b]) {
    const user = channel === a ? 'filtered-requester' : 'b-requester';
    const ticket = (await receive(t, channel, user, 'hello')).ticket.id;
    await assign(t, ticket, desk.id);
    await status(ticket, 'PENDING');
    await reply(ticket, 'waiting on you');
    await receive(t, channel, user, 'here'); // PENDING → OPEN
    await status(ticket, 'ON_HOLD');
    await receive(t, channel, `${user}-waiting`, 'nobody yet');
  }
  await quiesce();
}
