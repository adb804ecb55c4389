import pg from 'pg';
import {
  AcceptTicketDocument,
  AgentLoadDocument,
  AssignmentsDocument,
  DeclineTicketDocument,
  OfferDocument,
  QueueStatsDocument,
  RoutingPreviewDocument,
  SetAgentStatusDocument,
  UpdateRoutingSettingsDocument,
  UpdateTicketStatusDocument,
} from '../generated/operations';
import { ROUTING_LOCK_KEY } from '../../src/db/advisory-locks';
import { errorCodes } from '../support/graphql-client';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { SocketPool, subscribeLive, subscribeWs, waitForSubscribers } from '../support/ws-client';

// Each test gets its own server and database: routing looks at every agent and ticket there is.
let t: TestApp;
const sockets = new SocketPool(() => t.wsUrl);
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await sockets.closeAll();
  await t.close();
});

const offer = async (ticketId: string) =>
  (await t.client.ok(OfferDocument, { id: ticketId }, t.adminToken)).ticket!;
const load = async (agentId: string) =>
  (await t.client.ok(AgentLoadDocument, { id: agentId }, t.adminToken)).agent!;

describe('routing, end to end', () => {
  it('1. offers a ticket needing "korean" to the agent who has it, over the assignments subscription; accept → OPEN', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const plain = await createAgent(t, { capacity: 5 });
    const korean = await createAgent(t, { skills: ['Korean'], capacity: 2 });
    const ws = await sockets.connect(korean.token);
    const live = await subscribeLive(t.app.services.events, ws.client, AssignmentsDocument, {
      agentId: korean.id,
    });

    const { ticket } = await receive(t, channel, 'kakao-1', '안녕하세요', { requiredSkills: ['KOREAN'] });
    expect(ticket.requiredSkills).toEqual(['korean']);
    const [offered] = await live.waitFor(1);
    expect(offered!.assignments).toMatchObject({
      kind: 'OFFERED',
      ticket: { id: ticket.id, status: 'NEW', offeredTo: { id: korean.id } },
    });
    expect(offered!.assignments.ticket.offerExpiresAt).toBe(
      new Date(t.clock.now().getTime() + 30_000).toISOString(),
    );
    expect((await load(korean.id)).load).toBe(1);
    expect((await load(plain.id)).load).toBe(0);

    const accepted = await t.client.ok(AcceptTicketDocument, { ticketId: ticket.id }, korean.token);
    expect(accepted.acceptTicket).toMatchObject({
      status: 'OPEN',
      assignee: { id: korean.id },
      offeredTo: null,
      offerExpiresAt: null,
    });
    await live.waitFor(2);
    expect(live.events[1]!.assignments).toMatchObject({
      kind: 'ASSIGNED',
      ticket: { id: ticket.id, status: 'OPEN' },
    });
    expect(await load(korean.id)).toMatchObject({ load: 1, lastAssignedAt: t.clock.now().toISOString() });
  });

  it('2. ranks by spare capacity, then the least recently assigned, as the offers show', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const big = await createAgent(t, { capacity: 3 });
    const small = await createAgent(t, { capacity: 1 });

    // big has 3 spare, small 1: big gets the first two; then both have 1 spare and neither has
    // been assigned (offers are not assignments), so the lower id wins the tie.
    const first = (await receive(t, channel, 'rank-1', 'a')).ticket.id;
    expect((await offer(first)).offeredTo?.id).toBe(big.id);
    const second = (await receive(t, channel, 'rank-2', 'b')).ticket.id;
    expect((await offer(second)).offeredTo?.id).toBe(big.id);

    // big accepts one: now it was assigned more recently than small, and both have 1 spare.
    t.clock.advance(5);
    await t.client.ok(AcceptTicketDocument, { ticketId: first }, big.token);
    const third = (await receive(t, channel, 'rank-3', 'c')).ticket.id;
    expect((await offer(third)).offeredTo?.id).toBe(small.id);

    const { routingPreview } = await t.client.ok(RoutingPreviewDocument, { ticketId: third }, t.adminToken);
    // Now small is full (its offer), and big has one unit spare (one OPEN, one offered, capacity 3).
    expect(routingPreview.chosen?.id).toBe(big.id);
    expect(routingPreview.candidates.map((c) => [c.agent.id, c.reason, c.rank])).toEqual([
      [big.id, 'CHOSEN', 1],
      [small.id, 'AT_CAPACITY', null],
    ]);
  });

  it('3. capacity 1: a second ticket waits in the queue (pushed to a queueStats subscriber); PENDING frees the agent and it is offered at once', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    await t.client.ok(UpdateRoutingSettingsDocument, { input: { autoAccept: true } }, t.adminToken);
    const solo = await createAgent(t, { capacity: 1 });
    const ws = await sockets.connect(t.adminToken);
    await t.app.services.events.settle();
    const before = t.app.services.events.subscriberCount();
    const stats = subscribeWs(ws.client, QueueStatsDocument, {});
    await stats.waitFor(1);
    await waitForSubscribers(() => t.app.services.events.subscriberCount(), before + 1);
    expect(stats.events[0]!.queueStats).toEqual({ waiting: 0, agentsOnline: 1, spareCapacity: 1 });

    const first = (await receive(t, channel, 'queue-1', 'first')).ticket;
    expect(first).toMatchObject({ status: 'OPEN', assignee: { id: solo.id } });
    const second = (await receive(t, channel, 'queue-2', 'second')).ticket;
    expect(second).toMatchObject({ status: 'NEW', assignee: null });

    await waitUntil(() =>
      stats.events.some((e) => e.queueStats.waiting === 1 && e.queueStats.spareCapacity === 0),
    );

    const pending = await t.client.ok(
      UpdateTicketStatusDocument,
      { ticketId: first.id, status: 'PENDING' },
      solo.token,
    );
    expect(pending.updateTicketStatus.status).toBe('PENDING');
    expect(await offer(second.id)).toMatchObject({ status: 'OPEN', assignee: { id: solo.id } });
    await waitUntil(() => stats.events.at(-1)?.queueStats.waiting === 0);
  });

  it('4. decline → the next best agent; expiry (test clock) → re-offered and the agent AWAY', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const a = await createAgent(t, { capacity: 3 });
    const b = await createAgent(t, { capacity: 2 });
    const c = await createAgent(t, { capacity: 1 });
    const ticketId = (await receive(t, channel, 'decline-1', 'hello')).ticket.id;
    expect((await offer(ticketId)).offeredTo?.id).toBe(a.id);

    // A routing run skips a ticket another transaction holds (the decline's own commit racing the
    // run it requests) and looks again shortly after. Hence "offered soon", not "in the response".
    await t.client.ok(DeclineTicketDocument, { ticketId }, a.token);
    await waitUntil(async () => (await offer(ticketId)).offeredTo?.id === b.id);

    t.clock.advance(31);
    expect(await t.app.services.offers.expireOffer(ticketId)).toBe(true);
    await waitUntil(async () => (await offer(ticketId)).offeredTo?.id === c.id);
    expect((await load(b.id)).status).toBe('AWAY');
    // Expiring again is a no-op: the offer it was for is gone.
    expect(await t.app.services.offers.expireOffer(ticketId)).toBe(false);

    // Nobody left who has not refused: after c's offer expires too, the ticket waits.
    t.clock.advance(31);
    await t.app.services.offers.expireOffer(ticketId);
    expect(await offer(ticketId)).toMatchObject({ status: 'NEW', offeredTo: null });
    const { routingPreview } = await t.client.ok(RoutingPreviewDocument, { ticketId }, t.adminToken);
    const reasons = new Map(routingPreview.candidates.map((cand) => [cand.agent.id, cand.reason]));
    expect(reasons.get(a.id)).toBe('DECLINED_BEFORE');
    expect(reasons.get(b.id)).toBe('NOT_ONLINE');
    expect(reasons.get(c.id)).toBe('NOT_ONLINE');
    expect(routingPreview.chosen).toBeNull();
  });

  it('5. social messaging: a customer reply to a PENDING ticket returns it to its agent, load + 1, even above capacity', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const agent = await createAgent(t, { capacity: 1 });
    const first = (await receive(t, channel, 'social-1', 'one')).ticket.id;
    await t.client.ok(AcceptTicketDocument, { ticketId: first }, agent.token);
    await t.client.ok(UpdateTicketStatusDocument, { ticketId: first, status: 'PENDING' }, agent.token);
    expect((await load(agent.id)).load).toBe(0);
    const second = (await receive(t, channel, 'social-2', 'two')).ticket.id;
    await t.client.ok(AcceptTicketDocument, { ticketId: second }, agent.token);
    expect((await load(agent.id)).load).toBe(1);

    const back = await receive(t, channel, 'social-1', 'any news?');
    expect(back.ticket).toMatchObject({ id: first, status: 'OPEN', assignee: { id: agent.id } });
    expect((await load(agent.id)).load).toBe(2);
  });
});

describe('refusals', () => {
  it('accept after the offer expired, or of an offer made to someone else → ILLEGAL_TRANSITION; decline by a non-offered agent → FORBIDDEN', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const a = await createAgent(t, { capacity: 2 });
    const b = await createAgent(t, { capacity: 1 });
    const ticketId = (await receive(t, channel, 'late-1', 'hi')).ticket.id;
    expect((await offer(ticketId)).offeredTo?.id).toBe(a.id);

    const refuse = async (action: 'accept' | 'decline', token: string, code: string) => {
      const before = await t.snapshot();
      const res =
        action === 'accept'
          ? await t.client.execute(AcceptTicketDocument, { ticketId }, token)
          : await t.client.execute(DeclineTicketDocument, { ticketId }, token);
      expect(errorCodes(res)).toEqual([code]);
      expect(await t.snapshot()).toEqual(before);
    };
    await refuse('accept', b.token, 'ILLEGAL_TRANSITION');
    await refuse('decline', b.token, 'FORBIDDEN');
    await refuse('accept', channel.token, 'FORBIDDEN');

    t.clock.advance(30); // the offer's last instant has passed; the sweep has not run yet
    await refuse('accept', a.token, 'ILLEGAL_TRANSITION');
  });

  it('never offers to an agent with capacity 0 or without a required skill; skills compare case-insensitively', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: ['billing'] });
    const zero = await createAgent(t, { capacity: 0, skills: ['billing'] });
    const unskilled = await createAgent(t, { capacity: 5, skills: ['sales'] });
    const ticketId = (await receive(t, channel, 'skill-1', 'invoice?', { requiredSkills: ['VIP'] })).ticket
      .id;
    expect(await offer(ticketId)).toMatchObject({ offeredTo: null, status: 'NEW' });

    const { routingPreview } = await t.client.ok(RoutingPreviewDocument, { ticketId }, t.adminToken);
    const byAgent = new Map(routingPreview.candidates.map((c) => [c.agent.id, c]));
    expect(byAgent.get(zero.id)).toMatchObject({ reason: 'AT_CAPACITY', rank: null });
    expect(byAgent.get(unskilled.id)).toMatchObject({
      reason: 'MISSING_SKILL',
      missingSkills: ['billing', 'vip'],
    });

    const skilled = await createAgent(t, { capacity: 1, skills: ['BILLING', 'Vip'] });
    expect((await offer(ticketId)).offeredTo?.id).toBe(skilled.id);
  });

  it('an agent going AWAY gives its offers back; its OPEN tickets stay', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const leaving = await createAgent(t, { capacity: 3 });
    const kept = (await receive(t, channel, 'away-1', 'one')).ticket.id;
    await t.client.ok(AcceptTicketDocument, { ticketId: kept }, leaving.token);
    const offered = (await receive(t, channel, 'away-2', 'two')).ticket.id;
    expect((await offer(offered)).offeredTo?.id).toBe(leaving.id);
    const other = await createAgent(t, { capacity: 1 });

    await t.client.ok(SetAgentStatusDocument, { status: 'AWAY' }, leaving.token);
    expect((await offer(offered)).offeredTo?.id).toBe(other.id);
    expect(await offer(kept)).toMatchObject({ status: 'OPEN', assignee: { id: leaving.id } });
    // Given back is not refused: back ONLINE, the agent can be offered it again.
    await assign(t, offered, null);
    await t.client.ok(SetAgentStatusDocument, { status: 'AWAY' }, other.token);
    await t.client.ok(SetAgentStatusDocument, { status: 'ONLINE' }, leaving.token);
    expect((await offer(offered)).offeredTo?.id).toBe(leaving.id);
  });

  it('a message on a waiting ticket asks for a routing run only when one may have skipped the ticket', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const { ticket } = await receive(t, channel, 'waiting-user', 'anyone there?');
    expect(ticket.status).toBe('NEW');
    const routeQueue = jest.spyOn(t.app.services.routing, 'routeQueue');
    const run = new pg.Client({ connectionString: t.db.url });
    await run.connect();
    try {
      // No run holds the routing lock: none can read the queue before this message commits.
      expect((await receive(t, channel, 'waiting-user', 'hello?')).ticket.status).toBe('NEW');
      expect(routeQueue).not.toHaveBeenCalled();

      // A run in progress (it holds the routing lock) may read the queue while the message holds
      // the ticket and skip it: the message asks for a run of its own, which waits for this one.
      await run.query('begin');
      await run.query('select pg_advisory_xact_lock($1)', [ROUTING_LOCK_KEY]);
      const answer = receive(t, channel, 'waiting-user', 'still waiting');
      await waitUntil(() => routeQueue.mock.calls.length === 1);
      await run.query('rollback');
      expect((await answer).ticket).toMatchObject({ id: ticket.id, status: 'NEW' });
    } finally {
      routeQueue.mockRestore();
      await run.end();
    }
  });

  it('a waiting ticket held by a transaction that asks for no routing is not left behind', async () => {
    const channel = await createChannel(t, 'LIVE_CHAT');
    const agent = await createAgent(t, { status: 'OFFLINE' });
    const { ticket } = await receive(t, channel, 'held-user', 'hello');
    const holder = new pg.Client({ connectionString: t.db.url });
    await holder.connect();
    try {
      // Some change holds the ticket (and will end up changing nothing) while a run reads the queue.
      await holder.query('begin');
      await holder.query('select id from tickets where id = $1 for update', [ticket.id]);
      await t.client.ok(SetAgentStatusDocument, { status: 'ONLINE' }, agent.token);
      await t.app.services.routing.routeQueue(); // a run that started after the lock: it skipped the ticket
      expect((await offer(ticket.id)).offeredTo).toBeNull();
      await holder.query('rollback'); // a refused change: nothing asks for routing

      await waitUntil(async () => (await offer(ticket.id)).offeredTo?.id === agent.id);
    } finally {
      await holder.end();
    }
  });

  it('an agent may follow only its own assignments; integrations none', async () => {
    const a = await createAgent(t);
    const b = await createAgent(t);
    const channel = await createChannel(t, 'LIVE_CHAT');
    const asB = subscribeWs((await sockets.connect(b.token)).client, AssignmentsDocument, { agentId: a.id });
    await expect(asB.waitFor(1)).rejects.toThrow(/FORBIDDEN/);
    const asIntegration = subscribeWs((await sockets.connect(channel.token)).client, QueueStatsDocument, {});
    await expect(asIntegration.waitFor(1)).rejects.toThrow(/FORBIDDEN/);
  });
});

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
