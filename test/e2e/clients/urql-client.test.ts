import type { AnyVariables, OperationResult, OperationResultSource, TypedDocumentNode } from '@urql/core';
import { UpdateTicketStatusDocument } from '../../generated/operations';
import {
  ASSIGNMENTS,
  LIST_CHANGES,
  ME,
  SEND_MESSAGE,
  THREAD,
  TICKET_LIST,
  type TicketList,
} from '../../support/client-documents';
import { createUrqlConsole, type UrqlConsole } from '../../support/urql-client';
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
 * Parley driven by urql with its defaults (test/support/urql-client.ts, README "Using Parley from
 * Apollo Client and urql"): queries go as GET, the document cache is not normalised. A
 * subscription tagged with `additionalTypenames: ['Ticket']` makes urql fetch the queries showing
 * tickets again, so the checks here are the change streams and the re-executed queries' results.
 */

let t: TestApp;
const consoles: UrqlConsole[] = [];

beforeAll(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await Promise.all(consoles.splice(0).map((c) => c.stop()));
});
afterAll(() => t.close());

function open(token: string, options: { fetch?: typeof fetch } = {}) {
  const opened = createUrqlConsole({ httpUrl: t.httpUrl, wsUrl: t.wsUrl, token, ...options });
  consoles.push(opened);
  return opened;
}

/** Every result a query or subscription has delivered, in order. */
function collect<Data, Variables extends AnyVariables>(
  source: OperationResultSource<OperationResult<Data, Variables>>,
) {
  const results: OperationResult<Data, Variables>[] = [];
  const subscription = source.subscribe((result) => results.push(result));
  return {
    results,
    data: () => results.flatMap((r) => (r.data ? [r.data] : [])),
    latest: () => results.at(-1),
    stop: () => subscription.unsubscribe(),
  };
}

/** Ticket changes, tagged so that urql fetches again every query that shows a ticket. */
const ticketChanges = <Data, Variables extends AnyVariables>(
  client: UrqlConsole['client'],
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
) => collect(client.subscription(document, variables, { additionalTypenames: ['Ticket'] }));

const listed = (result: OperationResult<TicketList> | undefined) => {
  if (result?.error) throw result.error;
  return (result?.data?.tickets.edges ?? []).map((e) => e.node.id).sort();
};
const sorted = (...ids: string[]) => [...ids].sort();

describe('an agent’s console on urql', () => {
  it('inbox: a ticket reassigned away leaves it, one given to the agent enters it', async () => {
    const channel = await adminsChannel(t);
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const bo = await createAgent(t, { status: 'OFFLINE' });
    const first = (await receive(t, channel, 'urql-inbox-1', 'hello')).ticket.id;
    const second = (await receive(t, channel, 'urql-inbox-2', 'hello')).ticket.id;
    await assign(t, first, ada.id);
    await assign(t, second, ada.id);

    const { client } = open(ada.token);
    const me = (await client.query(ME, {}).toPromise()).data!.me!;
    const filter = { assigneeId: me.id };
    const inbox = collect(client.query(TICKET_LIST, { filter }));
    await eventually(() => expect(listed(inbox.latest())).toEqual(sorted(first, second)));
    const changes = await whenLive(t, () => ticketChanges(client, LIST_CHANGES, { filter }));

    await assign(t, first, bo.id);
    await eventually(() =>
      expect(
        changes
          .data()
          .map(({ ticketChanged: c }) => [
            c.kind,
            c.ticket.id,
            c.previousAssignee?.id,
            c.ticket.assignee?.id,
          ]),
      ).toEqual([['ASSIGNED', first, ada.id, bo.id]]),
    );
    await eventually(() => expect(listed(inbox.latest())).toEqual([second]));

    const third = (await receive(t, channel, 'urql-inbox-3', 'hello')).ticket.id;
    await assign(t, third, ada.id);
    await eventually(() => expect(listed(inbox.latest())).toEqual(sorted(second, third)));
    // Asked afresh, the server agrees with what the console shows.
    const fresh = await client.query(TICKET_LIST, { filter }, { requestPolicy: 'network-only' }).toPromise();
    expect(listed(fresh)).toEqual(sorted(second, third));
    inbox.stop();
    changes.stop();
  });

  it('a statuses: [OPEN] view drops a ticket moved OPEN → PENDING and takes it back on PENDING → OPEN', async () => {
    const channel = await adminsChannel(t);
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const ticket = (await receive(t, channel, 'urql-open-1', 'hello')).ticket.id;
    const other = (await receive(t, channel, 'urql-open-2', 'hello')).ticket.id;
    await assign(t, ticket, ada.id);
    await assign(t, other, ada.id);

    const { client } = open(ada.token);
    const filter = { statuses: ['OPEN'], channelId: channel.id };
    const view = collect(client.query(TICKET_LIST, { filter }));
    await eventually(() => expect(listed(view.latest())).toEqual(sorted(ticket, other)));
    const changes = await whenLive(t, () => ticketChanges(client, LIST_CHANGES, { filter }));

    // Changed by someone else (a supervisor), so only the stream can tell this console.
    const status = (s: 'PENDING' | 'OPEN') =>
      t.client.ok(UpdateTicketStatusDocument, { ticketId: ticket, status: s }, t.adminToken);
    await status('PENDING');
    await eventually(() => expect(listed(view.latest())).toEqual([other]));
    await status('OPEN');
    await eventually(() => expect(listed(view.latest())).toEqual(sorted(ticket, other)));
    expect(
      changes.data().map(({ ticketChanged: c }) => [c.ticket.id, c.previousStatus, c.ticket.status]),
    ).toEqual([
      [ticket, 'OPEN', 'PENDING'],
      [ticket, 'PENDING', 'OPEN'],
    ]);
    view.stop();
    changes.stop();
  });

  it('a console that reconnects finds its pending offers, and resumes its desk after the last cursor', async () => {
    const skill = `urql-offers-${process.pid}`;
    const channel = await createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: [skill] });
    const ada = await createAgent(t, { skills: [skill], capacity: 3 });

    const before = open(ada.token);
    const desk = await whenLive(t, () =>
      collect(before.client.subscription(ASSIGNMENTS, { agentId: ada.id })),
    );
    const offeredFirst = (await receive(t, channel, 'urql-offer-1', 'hello')).ticket.id;
    await eventually(() =>
      expect(desk.data().map((d) => [d.assignments.kind, d.assignments.ticket.id])).toEqual([
        ['OFFERED', offeredFirst],
      ]),
    );
    const lastCursor = desk.data().at(-1)!.assignments.cursor;

    // The console goes away (a reload, a laptop closed); a second offer is made meanwhile.
    desk.stop();
    await before.stop();
    const offeredWhileAway = (await receive(t, channel, 'urql-offer-2', 'hello')).ticket.id;

    // A new client: a new cache and a new socket.
    const { client } = open(ada.token);
    const offers = await client.query(TICKET_LIST, { filter: { offeredToId: ada.id } }).toPromise();
    expect(listed(offers)).toEqual(sorted(offeredFirst, offeredWhileAway));
    expect(offers.data!.tickets.edges.map((e) => [e.node.status, e.node.offeredTo?.id])).toEqual([
      ['NEW', ada.id],
      ['NEW', ada.id],
    ]);

    const resumed = collect(client.subscription(ASSIGNMENTS, { agentId: ada.id, after: lastCursor }));
    await eventually(() =>
      expect(resumed.data().map((d) => [d.assignments.kind, d.assignments.ticket.id])).toEqual([
        ['OFFERED', offeredWhileAway],
      ]),
    );
    resumed.stop();
  });

  it('a sendMessage whose answer is lost, sent again with the same clientMessageId: one message', async () => {
    const channel = await adminsChannel(t);
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const ticketId = (await receive(t, channel, 'urql-send-1', 'where is my parcel?')).ticket.id;
    await assign(t, ticketId, ada.id);

    const network = new LosingNetwork('SendMessage');
    const { client } = open(ada.token, { fetch: network.fetch });
    const thread = collect(client.query(THREAD, { id: ticketId }));
    const shown = () => {
      const result = thread.latest();
      if (result?.error) throw result.error;
      return (result?.data?.ticket?.messages.edges ?? []).map((e) => e.node);
    };
    await eventually(() => expect(shown()).toHaveLength(1));

    const variables = {
      ticketId,
      body: 'It left the warehouse this morning.',
      clientMessageId: `urql-${process.pid}-1`,
    };
    const firstAttempt = client.mutation(SEND_MESSAGE, variables).toPromise();
    await network.answerLost;
    expect(await serverMessages(t, ticketId)).toHaveLength(2);
    network.release();
    const lost = await firstAttempt;
    expect(lost.error?.networkError).toBeInstanceOf(TypeError);

    // The app sends it again, the same variables.
    const retried = await client.mutation(SEND_MESSAGE, variables).toPromise();
    expect(retried.error).toBeUndefined();
    const stored = await serverMessages(t, ticketId);
    expect(stored).toHaveLength(2);
    expect(retried.data!.sendMessage).toMatchObject({
      id: stored[1]!.id,
      clientMessageId: variables.clientMessageId,
    });
    expect(network.attempts).toBe(2);

    // The mutation's Message made urql fetch the thread again: the message is there once.
    await eventually(() =>
      expect(shown().map((m) => [m.id, m.clientMessageId])).toEqual([
        [stored[0]!.id, null],
        [stored[1]!.id, variables.clientMessageId],
      ]),
    );
    thread.stop();
  });
});

describe('urql’s requests', () => {
  it('a query goes as GET with the Authorization header, and is answered (not refused as CSRF)', async () => {
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const requests = recordRequests(t.app.httpServer);
    const { client } = open(ada.token);
    let result;
    try {
      result = await client.query(ME, {}).toPromise();
    } finally {
      requests.stop();
    }
    expect(result.error).toBeUndefined();
    expect(result.data!.me!.id).toBe(ada.id);
    const sent = requests.seen.filter((r) => r.headers.authorization === `Bearer ${ada.token}`);
    expect(sent).toEqual([expect.objectContaining({ method: 'GET', status: 200 })]);
    expect(sent[0]!.url).toMatch(/^\/graphql\?.*query=/);
  });

  it('sign the socket in with connectionParams; a wrong token is refused with 4401', async () => {
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const signedIn = open(ada.token);
    const desk = await whenLive(t, () =>
      collect(signedIn.client.subscription(ASSIGNMENTS, { agentId: ada.id })),
    );
    expect(desk.results).toEqual([]);
    desk.stop();

    const { client } = open(`${ada.token}-wrong`);
    const refused = collect(client.subscription(ASSIGNMENTS, { agentId: ada.id }));
    const error = await eventually(() => refused.latest()!.error!);
    expect(error.networkError).toMatchObject({ code: 4401 });
    refused.stop();
  });
});
