import {
  SendMessageDocument,
  TicketChangedDocument,
  TicketChangedWithPeopleDocument,
  UpdateAgentDocument,
  MessageAddedDocument,
  UpdateTicketStatusDocument,
  type TicketChangedSubscription,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { SocketPool, subscribeLive, subscribeWs, waitForSubscribers } from '../support/ws-client';

let t: TestApp;
const sockets = new SocketPool(() => t.wsUrl);
beforeAll(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await sockets.closeAll();
});
afterAll(() => t.close());

const summary = (e: TicketChangedSubscription) => [
  e.ticketChanged.kind,
  e.ticketChanged.ticket.id,
  e.ticketChanged.ticket.status,
  e.ticketChanged.message?.body ?? null,
];

describe('ticketChanged', () => {
  it('with a filter on assignee and statuses delivers exactly the changes matching before or after, in order', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const mina = await createAgent(t, { status: 'OFFLINE' });
    const joon = await createAgent(t, { status: 'OFFLINE' });
    const a = (await receive(t, channel, 'filter-a', 'first')).ticket.id;
    const b = (await receive(t, channel, 'filter-b', 'second')).ticket.id;

    const ws = await sockets.connect(t.adminToken);
    const live = await subscribeLive(t.app.services.events, ws.client, TicketChangedDocument, {
      filter: { assigneeId: mina.id, statuses: ['PENDING', 'SOLVED'] },
    });

    await assign(t, a, mina.id); //                                   OPEN: no match
    const status = (ticketId: string, s: 'PENDING' | 'SOLVED', token: string) =>
      t.client.ok(UpdateTicketStatusDocument, { ticketId, status: s }, token);
    await status(a, 'PENDING', mina.token); //                        match
    await t.client.ok(SendMessageDocument, { ticketId: a, body: 'waiting on you' }, mina.token); // PENDING: match
    await assign(t, b, joon.id); //                                   other assignee
    await status(b, 'PENDING', joon.token); //                        other assignee
    await receive(t, channel, 'filter-a', 'here I am'); //           → OPEN: leaves the filter (its message: no match)
    await status(a, 'SOLVED', mina.token); //                         match
    await receive(t, channel, 'filter-b', 'ping'); //                other assignee

    const events = await live.waitFor(4);
    // Let anything wrongly matching arrive before checking there is nothing more.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events.map(summary)).toEqual([
      ['STATUS_CHANGED', a, 'PENDING', null],
      ['MESSAGE_ADDED', a, 'PENDING', 'waiting on you'],
      // docs/domain.md "The event stream": matched before the change, so the inbox sees it leave.
      ['STATUS_CHANGED', a, 'OPEN', null],
      ['STATUS_CHANGED', a, 'SOLVED', null],
    ]);
  });

  it('publishes nothing for a refused change, and integrations see only their channel', async () => {
    const mine = await createChannel(t, 'LIVE_CHAT_RETURNING');
    const other = await createChannel(t, 'LIVE_CHAT_RETURNING');
    // OFFLINE, so routing offers nothing and the log holds only what this test does.
    const agent = await createAgent(t, { status: 'OFFLINE' });
    const ticket = (await receive(t, mine, 'refused-1', 'hello')).ticket.id;

    const adminWs = await sockets.connect(t.adminToken);
    const integrationWs = await sockets.connect(mine.token);
    await t.app.services.events.settle();
    const before = t.app.services.events.subscriberCount();
    const all = subscribeWs(adminWs.client, TicketChangedDocument, {});
    const integration = subscribeWs(integrationWs.client, TicketChangedDocument, {});
    await waitForSubscribers(() => t.app.services.events.subscriberCount(), before + 2);

    // Refused: NEW → SOLVED, an agent writing on a ticket not theirs, a body too long.
    await t.client.execute(UpdateTicketStatusDocument, { ticketId: ticket, status: 'SOLVED' }, t.adminToken);
    await t.client.execute(SendMessageDocument, { ticketId: ticket, body: 'not mine' }, agent.token);
    await t.client.execute(SendMessageDocument, { ticketId: ticket, body: 'x'.repeat(10_001) }, t.adminToken);
    const elsewhere = (await receive(t, other, 'elsewhere', 'another channel')).ticket.id;
    await assign(t, ticket, agent.id);

    const seen = await all.waitFor(4);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.map((e) => [e.ticketChanged.kind, e.ticketChanged.ticket.id])).toEqual([
      ['CREATED', elsewhere],
      ['MESSAGE_ADDED', elsewhere],
      ['ASSIGNED', ticket],
      ['STATUS_CHANGED', ticket],
    ]);
    const ownChanges = await integration.waitFor(2);
    expect(ownChanges.map((e) => [e.ticketChanged.kind, e.ticketChanged.ticket.id])).toEqual([
      ['ASSIGNED', ticket],
      ['STATUS_CHANGED', ticket],
    ]);
  });
  it('nested fields are read afresh for every event (an agent renamed between two events)', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const agent = await createAgent(t, { name: 'Mina', status: 'OFFLINE' });
    const ticket = (await receive(t, channel, 'rename', 'hi')).ticket.id;
    const ws = await sockets.connect(t.adminToken);
    const live = await subscribeLive(t.app.services.events, ws.client, TicketChangedWithPeopleDocument, {
      filter: { assigneeId: agent.id },
    });

    await assign(t, ticket, agent.id); // ASSIGNED, then STATUS_CHANGED to OPEN
    await live.waitFor(2);
    await t.client.ok(UpdateAgentDocument, { id: agent.id, input: { name: 'Mina Kim' } }, t.adminToken);
    await t.client.ok(UpdateTicketStatusDocument, { ticketId: ticket, status: 'PENDING' }, agent.token);

    const events = await live.waitFor(3);
    expect(events.map((e) => [e.ticketChanged.kind, e.ticketChanged.ticket.assignee?.name])).toEqual([
      ['ASSIGNED', 'Mina'],
      ['STATUS_CHANGED', 'Mina'],
      ['STATUS_CHANGED', 'Mina Kim'],
    ]);
  });
});

describe('messageAdded', () => {
  it('refuses a ticket the caller cannot see', async () => {
    const mine = await createChannel(t, 'LIVE_CHAT');
    const other = await createChannel(t, 'LIVE_CHAT');
    const ticket = (await receive(t, other, 'hidden', 'hi')).ticket.id;
    const ws = await sockets.connect(mine.token);
    const live = subscribeWs(ws.client, MessageAddedDocument, { ticketId: ticket });
    await expect(live.waitFor(1)).rejects.toThrow(/NOT_FOUND/);
  });

  it('identical subscriptions share an execution yet each gets every message; an integration sees its own; unsubscribing leaves at once', async () => {
    const channel = await createChannel(t, 'LIVE_CHAT_RETURNING');
    const ticket = (await receive(t, channel, 'shared', 'hi')).ticket.id;
    const admins = await Promise.all([1, 2, 3, 4].map(() => sockets.connect(t.adminToken)));
    const integration = await sockets.connect(channel.token);
    await t.app.services.events.settle();
    const before = t.app.services.events.subscriberCount();
    const subs = [...admins, integration].map((ws) =>
      subscribeWs(ws.client, MessageAddedDocument, { ticketId: ticket }),
    );
    await waitForSubscribers(() => t.app.services.events.subscriberCount(), before + subs.length);

    for (const body of ['one', 'two', 'three']) {
      await t.client.ok(SendMessageDocument, { ticketId: ticket, body }, t.adminToken);
    }
    for (const sub of subs) {
      const seen = await sub.waitFor(3);
      expect(seen.map((e) => [e.messageAdded.body, e.messageAdded.sequence])).toEqual([
        ['one', 2],
        ['two', 3],
        ['three', 4],
      ]);
    }

    // No further event is needed for the server to let go of a stopped subscription.
    subs.forEach((sub) => sub.stop());
    const deadline = performance.now() + 5000;
    while (t.app.services.events.subscriberCount() > before && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(t.app.services.events.subscriberCount()).toBe(before);
  });
});
