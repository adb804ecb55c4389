import {
  CreateConversationStyleDocument,
  MessageAddedDocument,
  SendMessageDocument,
  SetAgentStatusDocument,
  TicketDocument,
  UpdateChannelDocument,
  UpdateConversationStyleDocument,
  UpdateTicketStatusDocument,
} from '../generated/operations';
import { errorCodes } from '../support/graphql-client';
import { assign, createAgent, createChannel, receive, styleId } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, subscribeLive } from '../support/ws-client';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const setStatus = (ticketId: string, status: 'OPEN' | 'PENDING' | 'ON_HOLD' | 'SOLVED', token: string) =>
  t.client.ok(UpdateTicketStatusDocument, { ticketId, status }, token).then((r) => r.updateTicketStatus);

describe('LIVE_CHAT', () => {
  it('message → NEW; assign → OPEN; replies reach a subscriber in order; solve closes at once; a new message starts a follow-up', async () => {
    const channel = await createChannel(t, 'LIVE_CHAT');
    const agent = await createAgent(t);

    const first = await receive(t, channel, 'visitor-1', 'Hi, my order is late', { displayName: 'Dana' });
    expect(first).toMatchObject({ ticketCreated: true, reopened: false, duplicate: false });
    expect(first.ticket).toMatchObject({
      status: 'NEW',
      priority: 'NORMAL',
      assignee: null,
      followUpOf: null,
    });
    expect(first.ticket.requester).toMatchObject({ externalId: 'visitor-1', displayName: 'Dana' });
    expect(first.message).toMatchObject({
      sequence: 1,
      authorType: 'END_USER',
      body: 'Hi, my order is late',
    });
    const ticketId = first.ticket.id;

    expect(await assign(t, ticketId, agent.id)).toMatchObject({ status: 'OPEN', assignee: { id: agent.id } });

    const ws = connectWs(t.wsUrl, `Bearer ${agent.token}`);
    await ws.acknowledged;
    const live = await subscribeLive(t.app.services.events, ws.client, MessageAddedDocument, { ticketId });

    await receive(t, channel, 'visitor-1', 'Order #1042');
    const reply = await t.client.ok(
      SendMessageDocument,
      { ticketId, body: '  Let me check.  ' },
      agent.token,
    );
    expect(reply.sendMessage).toMatchObject({
      sequence: 3,
      authorType: 'AGENT',
      body: 'Let me check.',
      agent: { id: agent.id },
    });

    const events = await live.waitFor(2);
    expect(
      events.map((e) => [e.messageAdded.sequence, e.messageAdded.authorType, e.messageAdded.body]),
    ).toEqual([
      [2, 'END_USER', 'Order #1042'],
      [3, 'AGENT', 'Let me check.'],
    ]);
    live.stop();
    await ws.dispose();

    const solved = await setStatus(ticketId, 'SOLVED', agent.token);
    expect(solved).toMatchObject({ status: 'CLOSED', closesAt: null });
    expect(solved.solvedAt).toBe(t.clock.now().toISOString());
    expect(solved.closedAt).toBe(t.clock.now().toISOString());

    const again = await receive(t, channel, 'visitor-1', 'One more thing');
    expect(again).toMatchObject({ ticketCreated: true, reopened: false });
    expect(again.ticket.id).not.toBe(ticketId);
    expect(again.ticket).toMatchObject({ status: 'NEW', followUpOf: { id: ticketId, status: 'CLOSED' } });
    expect(again.message.sequence).toBe(1);
  });
});

describe('LIVE_CHAT_RETURNING', () => {
  it('solve schedules the close one interval later; a returning customer reopens the same ticket with the same agent', async () => {
    const channel = await createChannel(t, 'LIVE_CHAT_RETURNING');
    const agent = await createAgent(t);
    const { ticket } = await receive(t, channel, 'returning-1', 'Hello');
    await assign(t, ticket.id, agent.id);

    const solved = await setStatus(ticket.id, 'SOLVED', agent.token);
    expect(solved.status).toBe('SOLVED');
    expect(solved.closesAt).toBe(new Date(t.clock.now().getTime() + 3_600_000).toISOString());

    t.clock.advance(600);
    const back = await receive(t, channel, 'returning-1', 'Actually, one more question');
    expect(back).toMatchObject({ ticketCreated: false, reopened: true, duplicate: false });
    expect(back.ticket).toMatchObject({
      id: ticket.id,
      status: 'OPEN',
      assignee: { id: agent.id },
      reopenCount: 1,
      closesAt: null,
      solvedAt: null,
    });

    t.clock.advance(60);
    const resolved = await setStatus(ticket.id, 'SOLVED', agent.token);
    expect(resolved.closesAt).toBe(new Date(t.clock.now().getTime() + 3_600_000).toISOString());
    expect(resolved.reopenCount).toBe(1);
  });
});

describe('a reopen when the assignee is OFFLINE', () => {
  it('goes back to routing: NEW, no assignee', async () => {
    const channel = await createChannel(t, 'LIVE_CHAT_RETURNING');
    const agent = await createAgent(t);
    const { ticket } = await receive(t, channel, 'offline-1', 'Hello');
    await assign(t, ticket.id, agent.id);
    await setStatus(ticket.id, 'SOLVED', agent.token);
    await t.client.ok(SetAgentStatusDocument, { status: 'OFFLINE' }, agent.token);

    const back = await receive(t, channel, 'offline-1', 'Anyone?');
    expect(back).toMatchObject({
      reopened: true,
      ticket: { id: ticket.id, status: 'NEW', assignee: null, reopenCount: 1, closesAt: null },
    });
  });
});

describe('SOCIAL_MESSAGING', () => {
  it('PENDING and ON_HOLD return to OPEN on a customer message; solve schedules the close 4 days later', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const agent = await createAgent(t);
    const { ticket } = await receive(t, channel, 'whatsapp:+821012345678', 'Is the store open?');
    await assign(t, ticket.id, agent.id);

    expect((await setStatus(ticket.id, 'PENDING', agent.token)).status).toBe('PENDING');
    expect((await receive(t, channel, 'whatsapp:+821012345678', 'Hello?')).ticket).toMatchObject({
      id: ticket.id,
      status: 'OPEN',
    });
    expect((await setStatus(ticket.id, 'ON_HOLD', agent.token)).status).toBe('ON_HOLD');
    expect((await setStatus(ticket.id, 'PENDING', agent.token)).status).toBe('PENDING');
    expect((await setStatus(ticket.id, 'ON_HOLD', agent.token)).status).toBe('ON_HOLD');
    const back = await receive(t, channel, 'whatsapp:+821012345678', 'Still there?');
    expect(back).toMatchObject({
      reopened: false,
      ticket: { id: ticket.id, status: 'OPEN', reopenCount: 0 },
    });

    const solved = await setStatus(ticket.id, 'SOLVED', agent.token);
    expect(solved.closesAt).toBe(new Date(t.clock.now().getTime() + 345_600_000).toISOString());
    const reread = await t.client.ok(TicketDocument, { id: ticket.id }, t.adminToken);
    expect(reread.ticket?.style.kind).toBe('SOCIAL_MESSAGING');
  });

  it('accepts a 28-day style and refuses one second more', async () => {
    const created = await t.client.ok(
      CreateConversationStyleDocument,
      { input: { name: 'Social 28 days', kind: 'SOCIAL_MESSAGING', closeAfterSolvedSeconds: 2_419_200 } },
      t.adminToken,
    );
    expect(created.createConversationStyle.closeAfterSolvedSeconds).toBe(2_419_200);
    const refused = await t.client.execute(
      CreateConversationStyleDocument,
      { input: { name: 'Social too long', kind: 'SOCIAL_MESSAGING', closeAfterSolvedSeconds: 2_419_201 } },
      t.adminToken,
    );
    expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
    const updated = await t.client.execute(
      UpdateConversationStyleDocument,
      { id: created.createConversationStyle.id, input: { closeAfterSolvedSeconds: 2_419_201 } },
      t.adminToken,
    );
    expect(errorCodes(updated)).toEqual(['BAD_USER_INPUT']);
  });

  it('keeps the style a ticket was created with when the channel changes style', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const { ticket } = await receive(t, channel, 'keeps-style', 'Hi');
    await t.client.ok(
      UpdateChannelDocument,
      { id: channel.id, input: { styleId: await styleId(t, 'LIVE_CHAT') } },
      t.adminToken,
    );
    const reread = await t.client.ok(TicketDocument, { id: ticket.id }, t.adminToken);
    expect(reread.ticket?.style.kind).toBe('SOCIAL_MESSAGING');
    const other = await receive(t, channel, 'new-customer', 'Hi');
    expect(other.ticket.style.kind).toBe('LIVE_CHAT');
  });
});
