import type { GraphQLFormattedError } from 'graphql';
import {
  AcceptTicketDocument,
  AgentChangedDocument,
  AgentDocument,
  AgentLoadDocument,
  DeclineTicketDocument,
  OfferChangesDocument,
  OfferChangesReadDocument,
  OffersToDocument,
  SetAgentStatusOfDocument,
  UpdateAgentDocument,
  type AgentChangedSubscription,
  type AgentChangedSubscriptionVariables,
  type OfferChangesSubscription,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  connectWs,
  SocketPool,
  subscribeLive,
  subscribeWs,
  waitForSubscribers,
  type LiveSubscription,
  type WsConnection,
} from '../support/ws-client';

/**
 * docs/domain.md "Routing" and "Agents": what an agent's console needs to follow its own desk.
 * Reproduces what a frontend team met: a console that reconnected had no way to find the offer
 * made to it meanwhile (nor to hear it leave), and an agent set AWAY by an expired offer was not
 * told. `tickets(filter: {offeredToId})` lists the offers open to an agent, `ticketChanged` with
 * that filter sees each arrive and leave, and `agentChanged` streams status, capacity and load.
 */

let t: TestApp;
const sockets = new SocketPool(() => t.wsUrl);
beforeAll(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await sockets.closeAll();
});
afterAll(() => t.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for anything already on its way to arrive (to check nothing more does). */
const quiet = () => sleep(200);

async function waitUntil(condition: () => boolean | Promise<boolean>, what: () => string): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`not within 5 s: ${what()}`);
    await sleep(10);
  }
}

/** Each test routes on a skill of its own, so agents of the other tests never get its tickets. */
let skillCount = 0;
async function desk(agents: { capacity?: number; status?: 'ONLINE' | 'OFFLINE' }[]) {
  const skill = `desk-${++skillCount}`;
  const channel = await createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: [skill] });
  const people = [];
  for (const a of agents) people.push(await createAgent(t, { skills: [skill], ...a }));
  return { channel, agents: people };
}

type OfferChange = OfferChangesSubscription['ticketChanged'];
const shape = (c: OfferChange) => [c.kind, c.ticket.id];

describe('TicketFilter.offeredToId: the offers open to an agent', () => {
  it('a console that reconnects finds its pending offers, and hears each arrive and leave (declined, accepted, expired)', async () => {
    const {
      channel,
      agents: [ada],
    } = await desk([{ capacity: 3 }]);

    // The console follows the offers made to its agent.
    const first = connectWs(t.wsUrl, `Bearer ${ada!.token}`);
    await first.acknowledged;
    const before = await subscribeLive(t.app.services.events, first.client, OfferChangesDocument, {
      agentId: ada!.id,
    });
    const t1 = (await receive(t, channel, 'reconnect-1', 'hello')).ticket.id;
    const [offered] = await before.waitFor(1);
    expect(offered!.ticketChanged).toMatchObject({
      kind: 'OFFERED',
      ticket: { id: t1, status: 'NEW', offeredTo: { id: ada!.id } },
    });

    // Its connection drops; meanwhile two more tickets are offered to Ada.
    await first.dispose();
    const t2 = (await receive(t, channel, 'reconnect-2', 'hello')).ticket.id;
    const t3 = (await receive(t, channel, 'reconnect-3', 'hello')).ticket.id;

    // Back: the pending offers, then the feed resumed from the last change it had.
    const { tickets } = await t.client.ok(OffersToDocument, { agentId: ada!.id }, ada!.token);
    expect(tickets.totalCount).toBe(3);
    expect(new Set(tickets.edges.map((e) => e.node.id))).toEqual(new Set([t1, t2, t3]));
    for (const { node } of tickets.edges) {
      expect(node).toMatchObject({ status: 'NEW', offeredTo: { id: ada!.id }, assignee: null });
      expect(node.offerExpiresAt).not.toBeNull();
    }
    const ws = await sockets.connect(ada!.token);
    const feed = await subscribeLive(t.app.services.events, ws.client, OfferChangesDocument, {
      agentId: ada!.id,
      after: offered!.ticketChanged.cursor,
    });
    await feed.waitFor(2);

    // Each offer leaves: declined, accepted, expired (the expiry sets Ada AWAY).
    await t.client.ok(DeclineTicketDocument, { ticketId: t1 }, ada!.token);
    await t.client.ok(AcceptTicketDocument, { ticketId: t2 }, ada!.token);
    t.clock.advance(31);
    expect(await t.app.services.offers.expireOffer(t3)).toBe(true);
    await feed.waitFor(5);
    await quiet();
    // The accept's NEW → OPEN is not an offer's change on either side: it is not in the feed.
    expect(feed.events.map((e) => shape(e.ticketChanged))).toEqual([
      ['OFFERED', t2],
      ['OFFERED', t3],
      ['OFFER_DECLINED', t1],
      ['ASSIGNED', t2],
      ['OFFER_EXPIRED', t3],
    ]);
    expect(feed.events.slice(2).map((e) => e.ticketChanged.ticket.offeredTo)).toEqual([null, null, null]);
    expect(feed.errors).toEqual([]);

    // Nothing is pending any more; the catch-up read of the log says what the feeds said.
    expect((await t.client.ok(OffersToDocument, { agentId: ada!.id }, ada!.token)).tickets).toMatchObject({
      totalCount: 0,
      edges: [],
    });
    const { ticketChanges } = await t.client.ok(OfferChangesReadDocument, { agentId: ada!.id }, ada!.token);
    expect(ticketChanges.edges.map((e) => [e.node.kind, e.node.ticket.id])).toEqual([
      ['OFFERED', t1],
      ['OFFERED', t2],
      ['OFFERED', t3],
      ['OFFER_DECLINED', t1],
      ['ASSIGNED', t2],
      ['OFFER_EXPIRED', t3],
    ]);
  });

  it('anyone who may read tickets may ask, as for assigneeId: integrations within their channel; a malformed id matches nothing', async () => {
    const {
      channel,
      agents: [ada, bo],
    } = await desk([{ capacity: 1 }, { status: 'OFFLINE' }]);
    const other = await createChannel(t, 'SOCIAL_MESSAGING');
    const ticket = (await receive(t, channel, 'who-1', 'hello')).ticket.id;
    const ids = async (agentId: string, token: string) =>
      (await t.client.ok(OffersToDocument, { agentId }, token)).tickets.edges.map((e) => e.node.id);

    expect(await ids(ada!.id, t.adminToken)).toEqual([ticket]);
    expect(await ids(ada!.id, bo!.token)).toEqual([ticket]);
    expect(await ids(ada!.id.toUpperCase(), ada!.token)).toEqual([ticket]);
    expect(await ids(ada!.id, channel.token)).toEqual([ticket]);
    expect(await ids(ada!.id, other.token)).toEqual([]);
    expect(await ids(bo!.id, t.adminToken)).toEqual([]);
    expect(await ids('not-an-id', t.adminToken)).toEqual([]);
    const read = async (agentId: string, token: string) =>
      (await t.client.ok(OfferChangesReadDocument, { agentId }, token)).ticketChanges.edges.map((e) => [
        e.node.kind,
        e.node.ticket.id,
      ]);
    expect(await read(ada!.id, channel.token)).toEqual([['OFFERED', ticket]]);
    expect(await read(ada!.id, other.token)).toEqual([]);
    expect(await read('not-an-id', t.adminToken)).toEqual([]);
  });
});

// --------------------------------------------------------------------------------------------------

type AgentFrame = AgentChangedSubscription['agentChanged'];

/** Subscribes to agentChanged and returns once the server has the subscription live. */
async function watchAgents(
  ws: WsConnection,
  variables: AgentChangedSubscriptionVariables,
): Promise<LiveSubscription<AgentChangedSubscription>> {
  // Whatever was committed before is delivered first: it cannot arrive as if it were later.
  await t.app.services.events.settle();
  const feed = t.app.services.agentChanges;
  const before = feed.subscriberCount();
  const live = subscribeWs(ws.client, AgentChangedDocument, variables);
  await waitForSubscribers(() => feed.subscriberCount(), before + 1);
  return live;
}

const framesOf = (live: LiveSubscription<AgentChangedSubscription>, agentId: string): AgentFrame[] =>
  live.events.map((e) => e.agentChanged).filter((a) => a.id === agentId);

/** The agent as agent(id) reads it now, in the frame's shape. */
async function current(agentId: string): Promise<AgentFrame> {
  const { agent } = await t.client.ok(AgentDocument, { id: agentId }, t.adminToken);
  const { agent: withLoad } = await t.client.ok(AgentLoadDocument, { id: agentId }, t.adminToken);
  return { ...agent!, load: withLoad!.load };
}

/** Waits until the last frame about `agentId` is its state now: never a stale one last. */
async function lastFrameIsCurrent(live: LiveSubscription<AgentChangedSubscription>, agentId: string) {
  const now = await current(agentId);
  await waitUntil(
    () => JSON.stringify(framesOf(live, agentId).at(-1)) === JSON.stringify(now),
    () => `last frame ${JSON.stringify(framesOf(live, agentId).at(-1))}, now ${JSON.stringify(now)}`,
  );
  await quiet();
  expect(framesOf(live, agentId).at(-1)).toEqual(now);
}

describe('agentChanged', () => {
  it('an agent watching itself learns it was set AWAY when its offer expires', async () => {
    const {
      channel,
      agents: [ada],
    } = await desk([{ capacity: 2 }]);
    const ws = await sockets.connect(ada!.token);
    const live = await watchAgents(ws, { agentId: ada!.id });

    const ticket = (await receive(t, channel, 'away-1', 'hello')).ticket.id;
    await waitUntil(
      () => framesOf(live, ada!.id).some((a) => a.load === 1),
      () => JSON.stringify(live.events),
    );
    expect(framesOf(live, ada!.id).at(-1)).toMatchObject({ status: 'ONLINE', load: 1, capacity: 2 });

    t.clock.advance(31);
    expect(await t.app.services.offers.expireOffer(ticket)).toBe(true);
    await waitUntil(
      () => framesOf(live, ada!.id).some((a) => a.status === 'AWAY'),
      () => JSON.stringify(live.events),
    );
    await lastFrameIsCurrent(live, ada!.id);
    expect(framesOf(live, ada!.id).at(-1)).toMatchObject({ status: 'AWAY', load: 0 });
    // Only Ada's own frames, and no two alike in a row.
    expect(live.events.every((e) => e.agentChanged.id === ada!.id)).toBe(true);
    const keys = live.events.map((e) => JSON.stringify(e.agentChanged));
    expect(keys.every((k, i) => i === 0 || k !== keys[i - 1])).toBe(true);
    expect(live.errors).toEqual([]);
  });

  it('an admin watching every agent sees status, capacity and load changes, each agent ending on its state now', async () => {
    const {
      channel,
      agents: [ada, bo],
    } = await desk([{ capacity: 2 }, { capacity: 1, status: 'OFFLINE' }]);
    const ws = await sockets.connect(t.adminToken);
    const live = await watchAgents(ws, {});

    // Capacity, then status.
    await t.client.ok(UpdateAgentDocument, { id: bo!.id, input: { capacity: 3 } }, t.adminToken);
    await waitUntil(
      () => framesOf(live, bo!.id).some((a) => a.capacity === 3),
      () => JSON.stringify(live.events),
    );
    await t.client.ok(SetAgentStatusOfDocument, { agentId: ada!.id, status: 'OFFLINE' }, t.adminToken);
    await t.client.ok(SetAgentStatusOfDocument, { agentId: bo!.id, status: 'ONLINE' }, t.adminToken);
    await waitUntil(
      () =>
        framesOf(live, ada!.id).some((a) => a.status === 'OFFLINE') &&
        framesOf(live, bo!.id).some((a) => a.status === 'ONLINE'),
      () => JSON.stringify(live.events),
    );

    // Load: an offer to Bo (the only one ONLINE), then the ticket reassigned to Ada.
    const ticket = (await receive(t, channel, 'all-1', 'hello')).ticket.id;
    await waitUntil(
      () => framesOf(live, bo!.id).some((a) => a.load === 1),
      () => JSON.stringify(live.events),
    );
    await assign(t, ticket, ada!.id);
    await waitUntil(
      () => framesOf(live, ada!.id).some((a) => a.load === 1),
      () => JSON.stringify(live.events),
    );
    await lastFrameIsCurrent(live, ada!.id);
    await lastFrameIsCurrent(live, bo!.id);
    expect(framesOf(live, ada!.id).at(-1)).toMatchObject({ status: 'OFFLINE', load: 1, capacity: 2 });
    expect(framesOf(live, bo!.id).at(-1)).toMatchObject({ status: 'ONLINE', load: 0, capacity: 3 });
    expect(live.errors).toEqual([]);
  });

  it('an agent may watch every agent: it hears of another agent’s changes, a rename included', async () => {
    const {
      agents: [ada, bo],
    } = await desk([{ status: 'OFFLINE' }, { status: 'OFFLINE' }]);
    const ws = await sockets.connect(ada!.token);
    const live = await watchAgents(ws, { agentId: null });
    await t.client.ok(UpdateAgentDocument, { id: bo!.id, input: { capacity: 7 } }, t.adminToken);
    await lastFrameIsCurrent(live, bo!.id);
    expect(framesOf(live, bo!.id).at(-1)).toMatchObject({ capacity: 7 });
    // A console showing names follows a rename too.
    await t.client.ok(UpdateAgentDocument, { id: bo!.id, input: { name: 'Bo Renamed' } }, t.adminToken);
    await lastFrameIsCurrent(live, bo!.id);
    expect(framesOf(live, bo!.id).at(-1)).toMatchObject({ name: 'Bo Renamed', capacity: 7 });
  });

  it('refuses: another agent alone (FORBIDDEN), integrations (FORBIDDEN), an unknown or malformed id (NOT_FOUND), no token (4401); changes nothing', async () => {
    const {
      channel,
      agents: [ada, bo],
    } = await desk([{ status: 'OFFLINE' }, { status: 'OFFLINE' }]);
    const unknown = '7f1c2e4a-0000-4000-8000-00000000f022';
    const cases: [string, string, AgentChangedSubscriptionVariables, string][] = [
      ['an agent, another agent', ada!.token, { agentId: bo!.id }, 'FORBIDDEN'],
      ['an agent, an unknown agent', ada!.token, { agentId: unknown }, 'FORBIDDEN'],
      ['an integration, every agent', channel.token, {}, 'FORBIDDEN'],
      ['an integration, one agent', channel.token, { agentId: ada!.id }, 'FORBIDDEN'],
      ['an admin, an unknown agent', t.adminToken, { agentId: unknown }, 'NOT_FOUND'],
      ['an admin, a malformed id', t.adminToken, { agentId: 'not-an-id' }, 'NOT_FOUND'],
    ];
    const before = await t.snapshot();
    for (const [name, token, variables, code] of cases) {
      const ws = await sockets.connect(token);
      const live = subscribeWs(ws.client, AgentChangedDocument, variables);
      await waitUntil(
        () => live.errors.length > 0,
        () => `${name}: neither refused nor delivered`,
      );
      const codes = live.errors
        .flatMap((e) => (Array.isArray(e) ? (e as unknown[]) : [e]))
        .map((e) => (e as GraphQLFormattedError).extensions?.code);
      expect([name, codes]).toEqual([name, [code]]);
      expect(live.events).toEqual([]);
    }
    expect(t.app.services.agentChanges.subscriberCount()).toBe(0);

    const anonymous = connectWs(t.wsUrl);
    try {
      const live = subscribeWs(anonymous.client, AgentChangedDocument, {});
      await expect(anonymous.acknowledged).rejects.toThrow('closed with 4401');
      expect(live.events).toEqual([]);
    } finally {
      await anonymous.dispose();
    }
    expect(await t.snapshot()).toEqual(before);
  });
});
