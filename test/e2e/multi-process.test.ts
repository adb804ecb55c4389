import {
  AgentChangedDocument,
  MessageAddedDocument,
  SendMessageDocument,
  SetAgentStatusOfDocument,
  TicketChangedDocument,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, subscribeLive, subscribeWs, waitForSubscribers } from '../support/ws-client';

describe('events across server instances (PostgreSQL LISTEN/NOTIFY)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ db: a.db, clock: a.clock });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('a message received by instance A reaches a messageAdded subscriber on instance B, in order', async () => {
    const channel = await createChannel(a, 'SOCIAL_MESSAGING');
    const agent = await createAgent(a, { status: 'OFFLINE' });
    const ticketId = (await receive(a, channel, 'cross-1', 'first')).ticket.id;
    await assign(a, ticketId, agent.id);

    const ws = connectWs(b.wsUrl, `Bearer ${agent.token}`);
    await ws.acknowledged;
    try {
      const live = await subscribeLive(b.app.services.events, ws.client, MessageAddedDocument, { ticketId });

      // Alternate the writers: order must hold across processes.
      await receive(a, channel, 'cross-1', 'second');
      await b.client.ok(SendMessageDocument, { ticketId, body: 'third' }, agent.token);
      await receive(b, channel, 'cross-1', 'fourth');
      await a.client.ok(SendMessageDocument, { ticketId, body: 'fifth' }, agent.token);

      const events = await live.waitFor(4);
      expect(events.map((e) => [e.messageAdded.sequence, e.messageAdded.body])).toEqual([
        [2, 'second'],
        [3, 'third'],
        [4, 'fourth'],
        [5, 'fifth'],
      ]);
    } finally {
      await ws.dispose();
    }
  });

  it('a change committed on B reaches a ticketChanged subscriber on A; a refused one reaches nobody', async () => {
    const channel = await createChannel(b, 'LIVE_CHAT');
    const ws = connectWs(a.wsUrl, `Bearer ${a.adminToken}`);
    await ws.acknowledged;
    try {
      const live = await subscribeLive(a.app.services.events, ws.client, TicketChangedDocument, {
        filter: { channelId: channel.id },
      });
      await b.client.execute(
        SendMessageDocument,
        { ticketId: '00000000-0000-4000-8000-000000000000', body: 'x' },
        b.adminToken,
      );
      const created = await receive(b, channel, 'cross-2', 'hello from B');
      const events = await live.waitFor(2);
      expect(events.map((e) => [e.ticketChanged.kind, e.ticketChanged.ticket.id])).toEqual([
        ['CREATED', created.ticket.id],
        ['MESSAGE_ADDED', created.ticket.id],
      ]);
    } finally {
      await ws.dispose();
    }
  });

  it('an agent changed on B reaches an agentChanged subscriber on A: its status, then its load', async () => {
    const channel = await createChannel(b, 'SOCIAL_MESSAGING', { requiredSkills: ['cross-agent'] });
    const agent = await createAgent(b, { skills: ['cross-agent'], status: 'OFFLINE' });
    const ws = connectWs(a.wsUrl, `Bearer ${agent.token}`);
    await ws.acknowledged;
    try {
      await a.app.services.events.settle();
      const live = subscribeWs(ws.client, AgentChangedDocument, { agentId: agent.id });
      await waitForSubscribers(() => a.app.services.agentChanges.subscriberCount(), 1);

      // An announcement from B's process (status), then a ticket change read from the log (load).
      await b.client.ok(SetAgentStatusOfDocument, { agentId: agent.id, status: 'ONLINE' }, b.adminToken);
      const [online] = await live.waitFor(1);
      expect(online!.agentChanged).toMatchObject({ id: agent.id, status: 'ONLINE', load: 0 });
      await receive(b, channel, 'cross-agent-1', 'hello');
      const frames = await live.waitFor(2);
      expect(frames[1]!.agentChanged).toMatchObject({ id: agent.id, status: 'ONLINE', load: 1 });
    } finally {
      await ws.dispose();
    }
  });
});
