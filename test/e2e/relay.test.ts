import pg from 'pg';
import {
  AgentTokensDocument,
  NodeByIdDocument,
  ThreadPageDocument,
  TicketChangesPageDocument,
  TicketsPageDocument,
  type ThreadPageQuery,
  type ThreadPageQueryVariables,
} from '../generated/operations';
import { createAgent, createChannel, receive, styleId } from '../support/fixtures';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * DESIGN "The API as frontend teams meet it": messages page both ways (first/after, last/before),
 * every connection's PageInfo has hasPreviousPage and startCursor, and node(id) finds any object
 * (Relay). Before this, `messages(last: 10)` was refused: Unknown argument "last".
 */
let t: TestApp;
let channel: { id: string; token: string };
let other: { id: string; token: string };
let agent: { id: string; token: string };
/** 37 messages on `channel`, sequences 1…37. */
let threadId: string;
const THREAD_LENGTH = 37;

beforeAll(async () => {
  t = await startTestApp({ limits: { rateLimits: { messages: null, mutations: null } } });
  channel = await createChannel(t, 'SOCIAL_MESSAGING');
  other = await createChannel(t, 'SOCIAL_MESSAGING');
  agent = await createAgent(t, { status: 'OFFLINE' });
  threadId = (await receive(t, channel, 'long-thread', 'message 1')).ticket.id;
  for (let i = 2; i <= THREAD_LENGTH; i++) await receive(t, channel, 'long-thread', `message ${i}`);
});
afterAll(() => t.close());

type Messages = NonNullable<ThreadPageQuery['ticket']>['messages'];
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sequences = (m: Messages) => m.edges.map((e) => e.node.sequence);

async function thread(
  args: Omit<ThreadPageQueryVariables, 'id'>,
  token = t.adminToken,
  id = threadId,
): Promise<Messages> {
  const { ticket } = await t.client.ok(ThreadPageDocument, { id, ...args }, token);
  return ticket!.messages;
}

describe('Ticket.messages(last, before): a thread opens at its newest messages', () => {
  it('answers messages(last: 10) (was: Unknown argument "last") with the 10 newest, oldest first', async () => {
    const res = await t.client.raw(
      { query: `{ ticket(id: "${threadId}") { messages(last: 10) { edges { node { sequence } } } } }` },
      `Bearer ${t.adminToken}`,
    );
    expect(res.errors).toBeUndefined();
    const page = await thread({ last: 10 });
    expect(sequences(page)).toEqual(range(28, 37));
    expect(page.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: page.edges[0]!.cursor,
      endCursor: page.edges[9]!.cursor,
    });
  });

  it('pages back to the first message with before: startCursor, pages of any size, no gap and no duplicate', async () => {
    for (const sizes of [[10], [10, 7, 3, 20, 100], [1, 36, 5], [100]]) {
      const seen: number[] = [];
      let before: string | null = null;
      for (let i = 0; ; i++) {
        const last = sizes[Math.min(i, sizes.length - 1)]!;
        const page: Messages = await thread({ last, before });
        seen.unshift(...sequences(page));
        // Each page in sequence order; a page with a `before` has a next page (the one it came from).
        expect(sequences(page)).toEqual([...sequences(page)].sort((a, b) => a - b));
        expect(page.pageInfo.hasNextPage).toBe(before !== null);
        expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
        if (!page.pageInfo.hasPreviousPage) break;
        before = page.pageInfo.startCursor;
      }
      expect(seen).toEqual(range(1, THREAD_LENGTH));
    }
  });

  it('takes the cursors of forward pages backwards and the other way round', async () => {
    const forward = await thread({ first: 5 });
    expect(sequences(forward)).toEqual([1, 2, 3, 4, 5]);
    expect(forward.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    // Forward, from the fifth: hasPreviousPage is exact (there are messages at or before it).
    const next = await thread({ first: 5, after: forward.pageInfo.endCursor });
    expect(sequences(next)).toEqual([6, 7, 8, 9, 10]);
    expect(next.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    // Back from a forward page's end, and forward from a backward page's start.
    expect(sequences(await thread({ last: 3, before: next.pageInfo.endCursor }))).toEqual([7, 8, 9]);
    const newest = await thread({ last: 4 });
    expect(sequences(await thread({ first: 2, after: newest.pageInfo.startCursor }))).toEqual([35, 36]);
    const end = await thread({ first: 10, after: newest.pageInfo.startCursor });
    expect(sequences(end)).toEqual([35, 36, 37]);
    expect(end.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
  });

  it('combines after and before into a window, paged from either end', async () => {
    const all = await thread({ first: 100 });
    const cursorOf = (sequence: number) => all.edges[sequence - 1]!.cursor;
    const window = { after: cursorOf(5), before: cursorOf(12) };
    expect(sequences(await thread({ ...window, first: 100 }))).toEqual(range(6, 11));
    const fromEnd = await thread({ ...window, last: 3 });
    expect(sequences(fromEnd)).toEqual([9, 10, 11]);
    expect(fromEnd.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const fromStart = await thread({ ...window, first: 3 });
    expect(sequences(fromStart)).toEqual([6, 7, 8]);
    expect(fromStart.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    expect(sequences(await thread({ after: cursorOf(12), before: cursorOf(5), last: 10 }))).toEqual([]);
  });

  it('answers last: 0 and first: 0 with no edges, null cursors and what lies beyond', async () => {
    expect((await thread({ last: 0 })).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: null,
      endCursor: null,
    });
    expect((await thread({ first: 0 })).pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });

  it('a short thread: last: 10 is the whole of it, with nothing before or after', async () => {
    const { ticket } = await receive(t, channel, 'short-thread', 'only one');
    const page = await thread({ last: 10 }, t.adminToken, ticket.id);
    expect(sequences(page)).toEqual([1]);
    expect(page.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: false });
  });

  it("shows an integration its own channel's thread backwards; another channel's ticket is NOT_FOUND", async () => {
    expect(sequences(await thread({ last: 2 }, channel.token))).toEqual([36, 37]);
    const res = await t.client.execute(ThreadPageDocument, { id: threadId, last: 2 }, other.token);
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
  });

  it.each([
    ['last: -1', { last: -1 }, 'last'],
    ['last: 101', { last: 101 }, 'last'],
    ['first and last', { first: 5, last: 5 }, 'last'],
    ['a malformed before', { last: 5, before: 'bm90LWEtY3Vyc29y' }, 'before'],
    ['a malformed after', { first: 5, after: 'bm90LWEtY3Vyc29y' }, 'after'],
    ["a ticket's cursor as before", { last: 5, before: 'WyIyMDI2LTAzLTAxIiwieCJd' }, 'before'],
    ['a sequence past PostgreSQL integers', { last: 5, before: 'WzFlMjBd' }, 'before'],
  ] as const)('refuses %s with BAD_USER_INPUT naming it', async (_case, args, field) => {
    const res = await t.client.execute(ThreadPageDocument, { id: threadId, ...args }, t.adminToken);
    expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
      ['BAD_USER_INPUT', field],
    ]);
  });

  it('reads last + 1 rows from the (ticket, sequence) index, descending, not the whole thread', async () => {
    const knex = t.app.orm.em.getConnection().getKnex();
    const statements: string[] = [];
    const onQuery = (q: { sql: string }) => statements.push(q.sql);
    knex.on('query', onQuery);
    try {
      await thread({ last: 10, before: (await thread({ last: 5 })).pageInfo.startCursor });
    } finally {
      knex.off('query', onQuery);
    }
    // MikroORM writes the values into the statement.
    const page = statements.filter((sql) => /from "messages"/.test(sql) && /order by/i.test(sql)).at(-1)!;
    expect(page).toMatch(/"sequence" < 33 order by "\w+"\."sequence" desc limit 11$/);
    // The plan: a backward scan of the unique index, no sort (seq scans off: the table is tiny).
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    try {
      await client.query('set enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${page}`);
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index Scan Backward using messages_ticket_sequence_unique/);
      expect(plan).not.toMatch(/Sort/);
    } finally {
      await client.end();
    }
  });
});

describe('PageInfo.hasPreviousPage and startCursor on tickets and ticketChanges', () => {
  it('tickets: false on the first page, true after a cursor, startCursor the first edge', async () => {
    const filter = { channelId: channel.id };
    const first = await t.client.ok(TicketsPageDocument, { filter, first: 1 }, t.adminToken);
    expect(first.tickets.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: first.tickets.edges[0]!.cursor,
      endCursor: first.tickets.edges[0]!.cursor,
    });
    const second = await t.client.ok(
      TicketsPageDocument,
      { filter, first: 10, after: first.tickets.pageInfo.endCursor },
      t.adminToken,
    );
    expect(second.tickets.pageInfo).toMatchObject({
      hasPreviousPage: true,
      startCursor: second.tickets.edges[0]!.cursor,
    });
    // A cursor from an unfiltered page, under a filter no ticket at or before it matches: exact.
    const elsewhere = await t.client.ok(
      TicketsPageDocument,
      { filter: { channelId: other.id }, after: first.tickets.pageInfo.endCursor },
      t.adminToken,
    );
    expect(elsewhere.tickets).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('ticketChanges: false from the start, true after a cursor, startCursor the first edge', async () => {
    const start = await t.client.ok(TicketChangesPageDocument, { first: 2 }, t.adminToken);
    expect(start.ticketChanges.pageInfo).toMatchObject({
      hasPreviousPage: false,
      hasNextPage: true,
      startCursor: start.ticketChanges.edges[0]!.cursor,
    });
    const next = await t.client.ok(
      TicketChangesPageDocument,
      { first: 2, after: start.ticketChanges.pageInfo.endCursor },
      t.adminToken,
    );
    expect(next.ticketChanges.pageInfo).toMatchObject({
      hasPreviousPage: true,
      startCursor: next.ticketChanges.edges[0]!.cursor,
    });
  });
});

describe('node(id): any object by its id, as its own read shows it', () => {
  interface Fixture {
    ticketId: string;
    messageId: string;
    endUserId: string;
  }
  let mine: Fixture;
  let theirs: Fixture;
  let liveChatStyleId: string;

  const fixture = async (on: { id: string; token: string }, user: string): Promise<Fixture> => {
    const { ticket, message } = await receive(t, on, user, 'hello');
    return { ticketId: ticket.id, messageId: message.id, endUserId: ticket.requester.id };
  };

  beforeAll(async () => {
    mine = await fixture(channel, 'node-mine');
    theirs = await fixture(other, 'node-theirs');
    liveChatStyleId = await styleId(t, 'LIVE_CHAT');
  });

  const node = async (id: string, token: string | undefined = t.adminToken) =>
    (await t.client.ok(NodeByIdDocument, { id }, token)).node;

  it('finds each type by its id, as that type', async () => {
    expect(await node(mine.ticketId)).toMatchObject({
      __typename: 'Ticket',
      id: mine.ticketId,
      status: 'NEW',
      channel: { id: channel.id },
    });
    expect(await node(mine.messageId)).toMatchObject({
      __typename: 'Message',
      id: mine.messageId,
      sequence: 1,
      body: 'hello',
      ticket: { id: mine.ticketId },
    });
    expect(await node(mine.endUserId)).toMatchObject({
      __typename: 'EndUser',
      id: mine.endUserId,
      externalId: 'node-mine',
      channel: { id: channel.id },
    });
    expect(await node(agent.id)).toMatchObject({ __typename: 'Agent', id: agent.id, agentStatus: 'OFFLINE' });
    expect(await node(channel.id)).toMatchObject({ __typename: 'Channel', id: channel.id });
    expect(await node(liveChatStyleId)).toMatchObject({
      __typename: 'ConversationStyle',
      id: liveChatStyleId,
      styleKind: 'LIVE_CHAT',
    });
  });

  it('reads an id in capitals as the same id', async () => {
    expect(await node(mine.ticketId.toUpperCase())).toMatchObject({ id: mine.ticketId });
  });

  it('is null for an unknown id, a malformed one, and an id of something that is no Node', async () => {
    const [token] = (await t.client.ok(AgentTokensDocument, { id: agent.id }, t.adminToken)).agent!.tokens;
    for (const id of [
      '7f1c2e4a-0000-4000-8000-00000000f022',
      'not-an-id',
      '',
      `${mine.ticketId}0`,
      token!.id,
    ]) {
      expect(await node(id)).toBeNull();
    }
  });

  it('refuses a caller without a token as every query does', async () => {
    const res = await t.client.execute(NodeByIdDocument, { id: mine.ticketId });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });

  // As ticket(id), channels, agent(id) and conversationStyles show them: an integration sees its
  // own channel, its tickets, their messages and end users, and every style, but no agent by id.
  it.each([
    ['ticket', () => mine.ticketId, () => theirs.ticketId],
    ['message', () => mine.messageId, () => theirs.messageId],
    ['end user', () => mine.endUserId, () => theirs.endUserId],
    ['channel', () => channel.id, () => other.id],
  ])("an integration finds its own channel's %s, and another channel's is null", async (_t, own, foreign) => {
    expect(await node(own(), channel.token)).toMatchObject({ id: own() });
    expect(await node(foreign(), channel.token)).toBeNull();
    expect(await node(foreign(), other.token)).toMatchObject({ id: foreign() });
    for (const token of [t.adminToken, agent.token]) {
      expect(await node(own(), token)).toMatchObject({ id: own() });
      expect(await node(foreign(), token)).toMatchObject({ id: foreign() });
    }
  });

  it('shows agents to admins and agents, not to integrations (agent(id) is theirs only)', async () => {
    const colleague = await createAgent(t, { status: 'OFFLINE' });
    expect(await node(colleague.id, agent.token)).toMatchObject({ __typename: 'Agent', id: colleague.id });
    expect(await node(colleague.id, t.adminToken)).toMatchObject({ __typename: 'Agent' });
    expect(await node(colleague.id, channel.token)).toBeNull();
  });

  it('shows every conversation style to every signed-in caller', async () => {
    for (const token of [t.adminToken, agent.token, channel.token, other.token]) {
      expect(await node(liveChatStyleId, token)).toMatchObject({ __typename: 'ConversationStyle' });
    }
  });
});
