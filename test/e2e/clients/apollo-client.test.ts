import { createApolloConsole, type ApolloConsole } from '../../support/apollo-client';
import type { ApolloClient, NormalizedCacheObject, Reference } from '@apollo/client';
import request from 'supertest';
import {
  ASSIGNMENTS,
  LIST_CHANGES,
  ME,
  SEND_MESSAGE,
  THREAD,
  TICKET_LIST,
  UPDATE_STATUS,
  type Change,
  type ThreadMessage,
  type TicketFilter,
} from '../../support/client-documents';
import { assign, createAgent, createChannel, receive } from '../../support/fixtures';
import { startTestApp, type TestApp } from '../../support/test-app';
import {
  adminsChannel,
  eventually,
  LosingNetwork,
  recordRequests,
  serverMessages,
  whenLive,
} from '../../support/client-harness';

/**
 * Parley driven by Apollo Client 4 as a frontend team sets it up (test/support/apollo-client.ts,
 * README "Using Parley from Apollo Client and urql"): an agent's console whose normalised cache
 * stays right through a reassignment away, a status change out of a view, a reconnect with a
 * pending offer, and a sendMessage whose first answer is lost. Apollo's development build runs,
 * and any warning it prints (a type policy missing, a field missing) fails the test.
 */

const ORIGIN = 'https://console.example.com';
let t: TestApp;
const consoles: ApolloConsole[] = [];
const warnings: unknown[][] = [];

beforeAll(async () => {
  t = await startTestApp({ limits: { corsOrigins: [ORIGIN] } });
});
beforeEach(() => {
  for (const level of ['warn', 'error'] as const)
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void warnings.push(args));
});
afterEach(async () => {
  await Promise.all(consoles.splice(0).map((c) => c.stop()));
  jest.restoreAllMocks();
  expect(warnings.splice(0)).toEqual([]);
});
afterAll(() => t.close());

function open(
  token: string,
  options: { fetch?: typeof fetch; clientAwareness?: { name: string; version: string } } = {},
) {
  const opened = createApolloConsole({ httpUrl: t.httpUrl, wsUrl: t.wsUrl, token, ...options });
  consoles.push(opened);
  return opened;
}

const matches = (filter: TicketFilter, status: string | null, assigneeId: string | null | undefined) =>
  (filter.statuses === undefined || (status !== null && filter.statuses.includes(status))) &&
  (filter.assigneeId === undefined || assigneeId === filter.assigneeId);

/**
 * A list of tickets kept current as a console keeps it: the query is watched, the same filter's
 * ticketChanged stream normalises each changed ticket into the cache, and from the change's previous
 * and current status and assignee the list drops a ticket that left (in the cache, at once) and
 * refetches when one entered (the server knows where it goes and its cursor).
 */
function watchTicketList(client: ApolloClient, filter: TicketFilter) {
  const list = client.watchQuery({ query: TICKET_LIST, variables: { filter } });
  const watching = list.subscribe(() => undefined);
  const changes: Change[] = [];
  list.subscribeToMore({
    document: LIST_CHANGES,
    variables: { filter },
    updateQuery(_partial, { complete, previousData, subscriptionData }) {
      const change = subscriptionData.data.ticketChanged;
      changes.push(change);
      const was = matches(filter, change.previousStatus, change.previousAssignee?.id);
      const is = matches(filter, change.ticket.status, change.ticket.assignee?.id);
      if (was && !is && complete) {
        const edges = previousData.tickets.edges.filter((edge) => edge.node.id !== change.ticket.id);
        return { ...previousData, tickets: { ...previousData.tickets, edges } };
      }
      if (is && !was) void list.refetch();
      return undefined;
    },
  });
  return {
    changes,
    /** The ids the console shows now, sorted (tickets created at the same instant have no fixed order). */
    ids: () => (list.getCurrentResult().data?.tickets?.edges ?? []).map((edge) => edge!.node!.id!).sort(),
    stop: () => watching.unsubscribe(),
  };
}

const sorted = (...ids: string[]) => [...ids].sort();

/** The normalised cache's records, by cache id (`Ticket:<id>`). */
const records = (client: ApolloClient) => client.cache.extract() as NormalizedCacheObject;

const ticketInCache = (client: ApolloClient, id: string) =>
  records(client)[client.cache.identify({ __typename: 'Ticket', id })!] as
    { status: string; assignee: Reference | null; offeredTo: Reference | null } | undefined;

describe('an agent’s console on Apollo Client', () => {
  it('inbox: a ticket reassigned away leaves it, one given to the agent enters it', async () => {
    const channel = await adminsChannel(t);
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const bo = await createAgent(t, { status: 'OFFLINE' });
    const first = (await receive(t, channel, 'apollo-inbox-1', 'hello')).ticket.id;
    const second = (await receive(t, channel, 'apollo-inbox-2', 'hello')).ticket.id;
    await assign(t, first, ada.id);
    await assign(t, second, ada.id);

    const { client } = open(ada.token);
    const me = (await client.query({ query: ME })).data!.me!;
    expect(me.id).toBe(ada.id);
    const inbox = await whenLive(t, () => watchTicketList(client, { assigneeId: me.id }));
    await eventually(() => expect(inbox.ids()).toEqual(sorted(first, second)));

    await assign(t, first, bo.id);
    await eventually(() => expect(inbox.ids()).toEqual([second]));
    // The change's ticket was normalised: the cached ticket is Bo's now, wherever it is shown.
    await eventually(() =>
      expect(ticketInCache(client, first)?.assignee).toEqual({ __ref: `Agent:${bo.id}` }),
    );
    expect(inbox.changes.map((c) => [c.kind, c.ticket.id, c.previousAssignee?.id])).toEqual([
      ['ASSIGNED', first, ada.id],
    ]);

    const third = (await receive(t, channel, 'apollo-inbox-3', 'hello')).ticket.id;
    await assign(t, third, ada.id);
    await eventually(() => expect(inbox.ids()).toEqual(sorted(second, third)));
    inbox.stop();
  });

  it('a statuses: [OPEN] view drops a ticket moved OPEN → PENDING and takes it back on PENDING → OPEN', async () => {
    const channel = await adminsChannel(t);
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const ticket = (await receive(t, channel, 'apollo-open-1', 'hello')).ticket.id;
    const other = (await receive(t, channel, 'apollo-open-2', 'hello')).ticket.id;
    await assign(t, ticket, ada.id);
    await assign(t, other, ada.id);

    const { client } = open(ada.token);
    const view = await whenLive(t, () =>
      watchTicketList(client, { statuses: ['OPEN'], channelId: channel.id }),
    );
    await eventually(() => expect(view.ids()).toEqual(sorted(ticket, other)));

    await client.mutate({ mutation: UPDATE_STATUS, variables: { ticketId: ticket, status: 'PENDING' } });
    await eventually(() => expect(view.ids()).toEqual([other]));
    expect(ticketInCache(client, ticket)?.status).toBe('PENDING');

    await client.mutate({ mutation: UPDATE_STATUS, variables: { ticketId: ticket, status: 'OPEN' } });
    await eventually(() => expect(view.ids()).toEqual(sorted(ticket, other)));
    expect(view.changes.map((c) => [c.previousStatus, c.ticket.status])).toEqual([
      ['OPEN', 'PENDING'],
      ['PENDING', 'OPEN'],
    ]);
    view.stop();
  });

  it('a console that reconnects finds its pending offers, and resumes its desk after the last cursor', async () => {
    const skill = `apollo-offers-${process.pid}`;
    const channel = await createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: [skill] });
    const ada = await createAgent(t, { skills: [skill], capacity: 3 });

    const before = open(ada.token);
    const desk: Change[] = [];
    const deskSubscription = await whenLive(t, () =>
      before.client
        .subscribe({ query: ASSIGNMENTS, variables: { agentId: ada.id } })
        .subscribe(({ data }) => {
          if (data) desk.push(data.assignments);
        }),
    );
    const offeredFirst = (await receive(t, channel, 'apollo-offer-1', 'hello')).ticket.id;
    await eventually(() =>
      expect(desk.map((c) => [c.kind, c.ticket.id])).toEqual([['OFFERED', offeredFirst]]),
    );
    const lastCursor = desk.at(-1)!.cursor;

    // The console goes away (a reload, a laptop closed); a second offer is made meanwhile.
    deskSubscription.unsubscribe();
    await before.stop();
    const offeredWhileAway = (await receive(t, channel, 'apollo-offer-2', 'hello')).ticket.id;

    // A new client: a new cache and a new socket.
    const { client } = open(ada.token);
    const { data } = await client.query({
      query: TICKET_LIST,
      variables: { filter: { offeredToId: ada.id } },
    });
    expect(data!.tickets.edges.map((e) => e.node.id).sort()).toEqual(sorted(offeredFirst, offeredWhileAway));
    expect(data!.tickets.edges.map((e) => [e.node.status, e.node.offeredTo?.id])).toEqual([
      ['NEW', ada.id],
      ['NEW', ada.id],
    ]);

    const resumed: Change[] = [];
    const resumedSubscription = client
      .subscribe({ query: ASSIGNMENTS, variables: { agentId: ada.id, after: lastCursor } })
      .subscribe(({ data }) => {
        if (data) resumed.push(data.assignments);
      });
    await eventually(() =>
      expect(resumed.map((c) => [c.kind, c.ticket.id])).toEqual([['OFFERED', offeredWhileAway]]),
    );
    expect(ticketInCache(client, offeredWhileAway)?.offeredTo).toEqual({ __ref: `Agent:${ada.id}` });
    resumedSubscription.unsubscribe();
  });

  it('a sendMessage whose answer is lost is retried with its clientMessageId: one message, on the server and in the cache', async () => {
    const channel = await adminsChannel(t);
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const ticketId = (await receive(t, channel, 'apollo-send-1', 'where is my parcel?')).ticket.id;
    await assign(t, ticketId, ada.id);

    const network = new LosingNetwork('SendMessage');
    const { client } = open(ada.token, { fetch: network.fetch });
    // Opened from a link to the ticket: its thread, then the inbox beside it (both show metrics).
    const thread = client.watchQuery({ query: THREAD, variables: { id: ticketId } });
    const watchingThread = thread.subscribe(() => undefined);
    const threadMessages = () =>
      (thread.getCurrentResult().data?.ticket?.messages?.edges ?? []).map((e) => e!.node!);
    await eventually(() => expect(threadMessages()).toHaveLength(1));
    const inbox = await whenLive(t, () => watchTicketList(client, { assigneeId: ada.id }));
    await eventually(() => expect(inbox.ids()).toEqual([ticketId]));

    const clientMessageId = `apollo-${process.pid}-1`;
    const body = 'It left the warehouse this morning.';
    const sent = client.mutate({
      mutation: SEND_MESSAGE,
      variables: { ticketId, body, clientMessageId },
      optimisticResponse: {
        sendMessage: {
          __typename: 'Message',
          id: `pending:${clientMessageId}`,
          sequence: 0, // the server numbers the thread
          authorType: 'AGENT',
          body,
          clientMessageId,
        } as ThreadMessage,
      },
      update(cache, { data }) {
        const message = data?.sendMessage;
        if (!message) return;
        cache.modify({
          id: cache.identify({ __typename: 'Ticket', id: ticketId }),
          fields: {
            messages(existing, { readField, toReference }) {
              const connection = existing as { edges: { node: Reference }[] };
              const known = connection.edges.some(
                (edge) => readField('clientMessageId', edge.node) === message.clientMessageId,
              );
              if (known) return existing;
              return {
                ...connection,
                edges: [
                  ...connection.edges,
                  { __typename: 'MessageEdge', node: toReference({ __typename: 'Message', id: message.id }) },
                ],
              };
            },
          },
        });
      },
    });

    // The server has answered the first attempt, the answer is lost: the thread shows the
    // optimistic message, and the server already holds the real one.
    await network.answerLost;
    await eventually(() =>
      expect(threadMessages().map((m) => [m.id, m.clientMessageId])).toEqual([
        [expect.any(String), null],
        [`pending:${clientMessageId}`, clientMessageId],
      ]),
    );
    expect(await serverMessages(t, ticketId)).toHaveLength(2);

    network.release();
    const { data } = await sent;
    expect(network.attempts).toBe(2);
    const [, stored] = await serverMessages(t, ticketId);
    expect(data!.sendMessage).toMatchObject({ id: stored!.id, clientMessageId, body });
    expect(await serverMessages(t, ticketId)).toHaveLength(2);

    // The optimistic message was replaced by the server's, once.
    await eventually(() =>
      expect(threadMessages().map((m) => [m.id, m.clientMessageId, m.body])).toEqual([
        [expect.any(String), null, 'where is my parcel?'],
        [stored!.id, clientMessageId, body],
      ]),
    );
    const cachedMessages = Object.keys(records(client)).filter((key) => key.startsWith('Message:'));
    expect(cachedMessages.sort()).toEqual(
      sorted(`Message:${stored!.id}`, `Message:${threadMessages()[0]!.id}`),
    );

    // Refetched from the server, the thread is the same.
    const refetched = await client.query({
      query: THREAD,
      variables: { id: ticketId },
      fetchPolicy: 'network-only',
    });
    expect(refetched.data!.ticket!.messages.edges.map((e) => e.node.id)).toEqual(
      threadMessages().map((m) => m.id),
    );
    watchingThread.unsubscribe();
    inbox.stop();
  });
});

describe('Apollo Client’s requests', () => {
  it('page a ticket list and a thread with fetchMore, into the same cached lists', async () => {
    const channel = await adminsChannel(t);
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const tickets: string[] = [];
    for (const n of [1, 2, 3]) {
      tickets.push((await receive(t, channel, `apollo-page-${n}`, 'hello')).ticket.id);
      await assign(t, tickets.at(-1)!, ada.id);
    }
    await receive(t, channel, 'apollo-page-1', 'are you there?');
    await receive(t, channel, 'apollo-page-1', 'hello?');

    const { client } = open(ada.token);
    const list = client.watchQuery({
      query: TICKET_LIST,
      variables: { filter: { assigneeId: ada.id }, first: 2 },
    });
    const watchingList = list.subscribe(() => undefined);
    const firstPage = await eventually(() => {
      const page = list.getCurrentResult().data?.tickets;
      expect(page?.edges).toHaveLength(2);
      return page!;
    });
    expect(firstPage.pageInfo?.hasNextPage).toBe(true);
    await list.fetchMore({ variables: { after: firstPage.pageInfo!.endCursor! } });
    await eventually(() =>
      expect((list.getCurrentResult().data?.tickets?.edges ?? []).map((e) => e!.node!.id).sort()).toEqual(
        sorted(...tickets),
      ),
    );

    const thread = client.watchQuery({ query: THREAD, variables: { id: tickets[0]!, first: 2 } });
    const watchingThread = thread.subscribe(() => undefined);
    const bodies = () =>
      (thread.getCurrentResult().data?.ticket?.messages?.edges ?? []).map((e) => e!.node!.body);
    await eventually(() => expect(bodies()).toEqual(['hello', 'are you there?']));
    await thread.fetchMore({
      variables: { after: thread.getCurrentResult().data!.ticket!.messages!.pageInfo!.endCursor! },
    });
    await eventually(() => expect(bodies()).toEqual(['hello', 'are you there?', 'hello?']));
    watchingList.unsubscribe();
    watchingThread.unsubscribe();
  });

  it('carry client awareness headers, which the server and a CORS preflight accept', async () => {
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const requests = recordRequests(t.app.httpServer);
    const { client } = open(ada.token, { clientAwareness: { name: 'parley-console', version: '1.2.3' } });
    try {
      expect((await client.query({ query: ME })).data!.me!.id).toBe(ada.id);
    } finally {
      requests.stop();
    }
    const sent = requests.seen.filter((r) => r.headers.authorization === `Bearer ${ada.token}`);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: 'POST',
      status: 200,
      headers: { 'apollographql-client-name': 'parley-console', 'apollographql-client-version': '1.2.3' },
    });

    // A browser on another origin asks first for every header a simple request could not carry.
    const simple = new Set([
      'accept',
      'accept-language',
      'content-language',
      'host',
      'connection',
      'content-length',
    ]);
    const asked = Object.keys(sent[0]!.headers).filter(
      (name) =>
        !simple.has(name) && !name.startsWith('sec-') && !['user-agent', 'accept-encoding'].includes(name),
    );
    const preflight = await request(t.app.httpServer)
      .options('/graphql')
      .set('origin', ORIGIN)
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', asked.join(', '));
    expect(preflight.status).toBe(204);
    const allowed = String(preflight.headers['access-control-allow-headers']).split(/,\s*/);
    expect(asked).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'apollographql-client-name']),
    );
    expect(allowed).toEqual(expect.arrayContaining(asked));
  });

  it('sign the socket in with connectionParams; a wrong token is refused with 4401', async () => {
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const { client } = open(`${ada.token}-wrong`);
    const error = await new Promise<Error>((resolve) =>
      client.subscribe({ query: ASSIGNMENTS, variables: { agentId: ada.id } }).subscribe(({ error }) => {
        if (error) resolve(error);
      }),
    );
    expect(error.message).toMatch(/4401/);
  });
});
