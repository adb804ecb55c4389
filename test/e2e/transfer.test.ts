import pg from 'pg';
import {
  AcceptTicketDocument,
  AgentLoadDocument,
  DeclineTicketDocument,
  ReceiveMessageDocument,
  RoutingPreviewDocument,
  SetAgentStatusDocument,
  TransferAssignmentsDocument,
  TransferChangeLogDocument,
  TransferredTicketDocument,
  TransferTicketChangedDocument,
  TransferTicketDocument,
  UpdateRoutingSettingsDocument,
  UpdateTicketStatusDocument,
  type AgentStatus,
  type TransferTicketInput,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { errorCodes } from '../support/graphql-client';
import { refusalCheck } from '../support/refusals';
import { startTestApp, type TestApp } from '../support/test-app';
import { SocketPool, subscribeLive } from '../support/ws-client';

/**
 * docs/domain.md "Transfer": the assignee or an admin hands a ticket (NEW, OPEN, PENDING or ON_HOLD)
 * to a colleague — an offer, or with auto-accept an assignment — or back to the queue, optionally
 * with an internal note. One TRANSFERRED change; routing never offers the ticket back to the agent
 * who had it. An agent's transfer needs an ONLINE colleague with room, checked under the colleague's
 * row lock; an admin's choice stands.
 */
let t: TestApp;
let db: pg.Client;
const sockets = new SocketPool(() => t.wsUrl);
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

beforeAll(async () => {
  t = await startTestApp({ limits: { rateLimits: { messages: null, mutations: null } } });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
});
afterEach(() => sockets.closeAll());
afterAll(async () => {
  await db.end();
  await t.close();
});

type Person = { id: string; token: string };

/**
 * A channel whose tickets need a skill of this test's own, and agents with that skill (OFFLINE
 * unless told), so agents of the other tests are never routed its tickets.
 */
async function desk(people: { capacity?: number; status?: AgentStatus }[]) {
  const skill = unique('transfer-skill');
  const channel = await createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: [skill] });
  const agents: Person[] = [];
  for (const p of people) agents.push(await createAgent(t, { skills: [skill], status: 'OFFLINE', ...p }));
  return { channel, agents };
}

/** A new ticket on `channel` given to `agent` by an admin: OPEN with it. */
async function heldBy(channel: Person, agent: Person) {
  const received = await receive(t, channel, unique('customer'), 'Where is my parcel?');
  await assign(t, received.ticket.id, agent.id);
  return { ticketId: received.ticket.id, requesterId: received.ticket.requester.id };
}

const setStatus = (agent: Person, status: AgentStatus) =>
  t.client.ok(SetAgentStatusDocument, { status }, agent.token);

const transfer = (input: TransferTicketInput, token: string) =>
  t.client.execute(TransferTicketDocument, { input }, token);
const transferred = async (input: TransferTicketInput, token: string) =>
  (await t.client.ok(TransferTicketDocument, { input }, token)).transferTicket;

const ticket = async (id: string, token = t.adminToken) =>
  (await t.client.ok(TransferredTicketDocument, { id }, token)).ticket!;
const load = async (agentId: string) =>
  (await t.client.ok(AgentLoadDocument, { id: agentId }, t.adminToken)).agent!;

/** The ticket's TRANSFERRED rows, as the log keeps them. */
const transferRows = async (ticketId: string) =>
  (
    await db.query(
      `select agent_id, actor_type, actor_id, status::text, assignee_id, offered_to_id, previous_status::text,
              previous_assignee_id, previous_offered_to_id, from_status::text, to_status::text
         from ticket_events where ticket_id = $1 and kind = 'TRANSFERRED' order by id`,
      [ticketId],
    )
  ).rows;
const waitingSince = async (ticketId: string) =>
  (await db.query<{ w: Date }>('select waiting_since as w from tickets where id = $1', [ticketId])).rows[0]!
    .w;

async function withAutoAccept(run: () => Promise<void>): Promise<void> {
  await t.client.ok(UpdateRoutingSettingsDocument, { input: { autoAccept: true } }, t.adminToken);
  try {
    await run();
  } finally {
    await t.client.ok(UpdateRoutingSettingsDocument, { input: { autoAccept: false } }, t.adminToken);
  }
}

/** Refused with `code` (and the field, if given), and nothing changed anywhere. */
const expectRefused = refusalCheck(() => t);

describe('to a colleague', () => {
  it('the assignee offers an OPEN ticket to an ONLINE colleague: one TRANSFERRED change, both feeds hear it, the colleague accepts', async () => {
    const {
      channel,
      agents: [ada, bo],
    } = await desk([{ capacity: 2 }, { capacity: 2 }]);
    const { ticketId, requesterId } = await heldBy(channel, ada!);
    await setStatus(ada!, 'ONLINE');
    await setStatus(bo!, 'ONLINE');
    const queuedSince = await waitingSince(ticketId);

    const adaFeed = await subscribeLive(
      t.app.services.events,
      (await sockets.connect(ada!.token)).client,
      TransferAssignmentsDocument,
      { agentId: ada!.id },
    );
    const boFeed = await subscribeLive(
      t.app.services.events,
      (await sockets.connect(bo!.token)).client,
      TransferAssignmentsDocument,
      { agentId: bo!.id },
    );
    const inbox = await subscribeLive(
      t.app.services.events,
      (await sockets.connect(ada!.token)).client,
      TransferTicketChangedDocument,
      { filter: { assigneeId: ada!.id } },
    );

    t.clock.advance(60);
    const answer = await transferred({ ticketId, toAgentId: bo!.id }, ada!.token);
    expect(answer).toMatchObject({
      id: ticketId,
      status: 'NEW',
      assignee: null,
      offeredTo: { id: bo!.id },
      offerExpiresAt: new Date(t.clock.now().getTime() + 30_000).toISOString(),
      metrics: { assignmentCount: 1, handleSeconds: 60 },
    });
    expect(await transferRows(ticketId)).toEqual([
      {
        agent_id: bo!.id,
        actor_type: 'AGENT',
        actor_id: ada!.id,
        status: 'NEW',
        assignee_id: null,
        offered_to_id: bo!.id,
        previous_status: 'OPEN',
        previous_assignee_id: ada!.id,
        previous_offered_to_id: null,
        from_status: 'OPEN',
        to_status: 'NEW',
      },
    ]);
    // The ticket keeps its place in the queue.
    expect(await waitingSince(ticketId)).toEqual(queuedSince);
    expect((await load(ada!.id)).load).toBe(0);
    expect((await load(bo!.id)).load).toBe(1);

    const shape = {
      kind: 'TRANSFERRED',
      previousStatus: 'OPEN',
      previousAssignee: { id: ada!.id },
      message: null,
      ticket: { id: ticketId, status: 'NEW', assignee: null, offeredTo: { id: bo!.id } },
    };
    expect((await adaFeed.waitFor(1))[0]!.assignments).toMatchObject(shape);
    expect((await boFeed.waitFor(1))[0]!.assignments).toMatchObject(shape);
    // Ada's inbox sees the ticket leave.
    expect((await inbox.waitFor(1))[0]!.ticketChanged).toMatchObject(shape);

    const accepted = await t.client.ok(AcceptTicketDocument, { ticketId }, bo!.token);
    expect(accepted.acceptTicket).toMatchObject({
      status: 'OPEN',
      assignee: { id: bo!.id },
      offeredTo: null,
    });
    expect((await boFeed.waitFor(2))[1]!.assignments).toMatchObject({ kind: 'ASSIGNED' });
    expect((await ticket(ticketId)).metrics.assignmentCount).toBe(2);

    const log = await t.client.ok(
      TransferChangeLogDocument,
      { filter: { requesterId }, first: 100 },
      t.adminToken,
    );
    expect(log.ticketChanges.edges.map((e) => e.node.kind)).toEqual([
      'CREATED',
      'MESSAGE_ADDED',
      'ASSIGNED',
      'STATUS_CHANGED',
      'TRANSFERRED',
      'ASSIGNED',
      'STATUS_CHANGED',
    ]);
    expect(adaFeed.errors).toEqual([]);
    expect(boFeed.errors).toEqual([]);
  });

  it('with auto-accept, an assignment: OPEN and PENDING tickets keep their status with the colleague', async () => {
    const {
      channel,
      agents: [ada, bo],
    } = await desk([{ capacity: 3 }, { capacity: 3 }]);
    const open = await heldBy(channel, ada!);
    const pending = await heldBy(channel, ada!);
    await t.client.ok(
      UpdateTicketStatusDocument,
      { ticketId: pending.ticketId, status: 'PENDING' },
      ada!.token,
    );
    await setStatus(ada!, 'ONLINE');
    await setStatus(bo!, 'ONLINE');

    await withAutoAccept(async () => {
      t.clock.advance(5);
      expect(await transferred({ ticketId: open.ticketId, toAgentId: bo!.id }, ada!.token)).toMatchObject({
        status: 'OPEN',
        assignee: { id: bo!.id },
        offeredTo: null,
        offerExpiresAt: null,
        metrics: { assignmentCount: 2 },
      });
      expect(await transferred({ ticketId: pending.ticketId, toAgentId: bo!.id }, ada!.token)).toMatchObject({
        status: 'PENDING',
        assignee: { id: bo!.id },
        offeredTo: null,
        metrics: { assignmentCount: 2 },
      });
    });
    expect(await transferRows(open.ticketId)).toMatchObject([
      {
        agent_id: bo!.id,
        status: 'OPEN',
        assignee_id: bo!.id,
        offered_to_id: null,
        previous_assignee_id: ada!.id,
      },
    ]);
    const boLoad = await load(bo!.id);
    expect(boLoad.load).toBe(1);
    expect(boLoad.lastAssignedAt).toBe(t.clock.now().toISOString());
  });

  it('an offer the colleague lets expire goes back to routing, never to the agent who transferred it', async () => {
    const {
      channel,
      agents: [ada, bo, cy],
    } = await desk([{ capacity: 2 }, { capacity: 2 }, { capacity: 2 }]);
    const { ticketId } = await heldBy(channel, ada!);
    await setStatus(ada!, 'ONLINE');
    await setStatus(bo!, 'ONLINE');
    await transferred({ ticketId, toAgentId: bo!.id }, ada!.token);

    t.clock.advance(31);
    expect(await t.app.services.offers.expireOffer(ticketId)).toBe(true);
    // Bo missed it (and is AWAY now); Ada gave it away: it waits.
    expect(await ticket(ticketId)).toMatchObject({ status: 'NEW', offeredTo: null, assignee: null });
    await setStatus(cy!, 'ONLINE');
    expect((await ticket(ticketId)).offeredTo?.id).toBe(cy!.id);
  });
});

describe('back to the queue', () => {
  it('routing offers it to someone else, never the previous assignee; with only that one ONLINE it waits, in its old place', async () => {
    const {
      channel,
      agents: [ada, bo],
    } = await desk([{ capacity: 5 }, { capacity: 5 }]);
    const { ticketId } = await heldBy(channel, ada!);
    await t.client.ok(UpdateTicketStatusDocument, { ticketId, status: 'ON_HOLD' }, ada!.token);
    await setStatus(ada!, 'ONLINE');
    const queuedSince = await waitingSince(ticketId);

    t.clock.advance(120);
    expect(await transferred({ ticketId }, ada!.token)).toMatchObject({
      status: 'NEW',
      assignee: null,
      offeredTo: null,
    });
    expect(await transferRows(ticketId)).toMatchObject([
      {
        agent_id: null,
        status: 'NEW',
        assignee_id: null,
        previous_status: 'ON_HOLD',
        previous_assignee_id: ada!.id,
      },
    ]);
    expect(await waitingSince(ticketId)).toEqual(queuedSince);

    const { routingPreview } = await t.client.ok(RoutingPreviewDocument, { ticketId }, t.adminToken);
    const reasons = new Map(routingPreview.candidates.map((c) => [c.agent.id, c]));
    expect(reasons.get(ada!.id)).toMatchObject({ reason: 'TRANSFERRED_AWAY', rank: null });
    expect(reasons.get(ada!.id)!.explanation).toMatch(/transferred/);
    expect(reasons.get(bo!.id)).toMatchObject({ reason: 'NOT_ONLINE' });
    expect(routingPreview.chosen).toBeNull();

    await setStatus(bo!, 'ONLINE');
    expect((await ticket(ticketId)).offeredTo?.id).toBe(bo!.id);
    // Declined by Bo: still never Ada.
    await t.client.ok(DeclineTicketDocument, { ticketId }, bo!.token);
    expect(await ticket(ticketId)).toMatchObject({ status: 'NEW', offeredTo: null });
  });

  it("an admin's transfer withdraws a standing offer in the same change; the offered agent's feed hears it", async () => {
    const {
      channel,
      agents: [ada, bo],
    } = await desk([{ capacity: 2, status: 'ONLINE' }, { capacity: 2 }]);
    const { ticket: received } = await receive(t, channel, unique('customer'), 'hello?');
    expect((await ticket(received.id)).offeredTo?.id).toBe(ada!.id);
    const adaFeed = await subscribeLive(
      t.app.services.events,
      (await sockets.connect(ada!.token)).client,
      TransferAssignmentsDocument,
      { agentId: ada!.id },
    );

    // To Bo, who is OFFLINE: an admin's choice stands.
    expect(await transferred({ ticketId: received.id, toAgentId: bo!.id }, t.adminToken)).toMatchObject({
      status: 'NEW',
      offeredTo: { id: bo!.id },
    });
    expect(await transferRows(received.id)).toMatchObject([
      { agent_id: bo!.id, actor_type: 'ADMIN', previous_offered_to_id: ada!.id, offered_to_id: bo!.id },
    ]);
    expect((await adaFeed.waitFor(1))[0]!.assignments).toMatchObject({
      kind: 'TRANSFERRED',
      previousAssignee: null,
      ticket: { id: received.id, offeredTo: { id: bo!.id } },
    });
    expect((await load(ada!.id)).load).toBe(0);
  });
});

describe('with a note', () => {
  it('an internal note by the caller right after the change: agents see it, the integration does not', async () => {
    const {
      channel,
      agents: [ada, bo],
    } = await desk([{ capacity: 2 }, { capacity: 2 }]);
    const { ticketId, requesterId } = await heldBy(channel, ada!);
    await setStatus(bo!, 'ONLINE');
    await setStatus(ada!, 'ONLINE');
    const adminStream = await subscribeLive(
      t.app.services.events,
      (await sockets.connect(t.adminToken)).client,
      TransferTicketChangedDocument,
      { filter: { requesterId } },
    );
    const integrationStream = await subscribeLive(
      t.app.services.events,
      (await sockets.connect(channel.token)).client,
      TransferTicketChangedDocument,
      { filter: { requesterId } },
    );

    await transferred({ ticketId, toAgentId: bo!.id, note: '  Wants a refund; be kind.  ' }, ada!.token);

    const forAgents = await ticket(ticketId, bo!.token);
    const note = forAgents.messages.edges.at(-1)!.node;
    expect(note).toMatchObject({
      sequence: 2,
      authorType: 'AGENT',
      body: 'Wants a refund; be kind.',
      internal: true,
      agent: { id: ada!.id },
    });
    const forIntegration = await ticket(ticketId, channel.token);
    expect(forIntegration.messages.edges.map((e) => e.node.internal)).toEqual([false]);

    const [change, added] = await adminStream.waitFor(2);
    expect(change!.ticketChanged).toMatchObject({ kind: 'TRANSFERRED', message: null });
    expect(added!.ticketChanged).toMatchObject({
      kind: 'MESSAGE_ADDED',
      message: { id: note.id, internal: true },
      ticket: { status: 'NEW', offeredTo: { id: bo!.id } },
    });
    const [seen] = await integrationStream.waitFor(1);
    expect(seen!.ticketChanged.kind).toBe('TRANSFERRED');

    const log = (token: string) =>
      t.client
        .ok(TransferChangeLogDocument, { filter: { requesterId }, first: 100 }, token)
        .then((r) => r.ticketChanges.edges.map((e) => e.node.kind));
    expect((await log(t.adminToken)).slice(-2)).toEqual(['TRANSFERRED', 'MESSAGE_ADDED']);
    expect((await log(channel.token)).slice(-1)).toEqual(['TRANSFERRED']);
    expect(integrationStream.events).toHaveLength(1);
  });

  it("an admin's note has no agent", async () => {
    const {
      channel,
      agents: [ada],
    } = await desk([{ capacity: 2 }]);
    const { ticketId } = await heldBy(channel, ada!);
    await transferred({ ticketId, note: 'Back to the pool' }, t.adminToken);
    expect((await ticket(ticketId)).messages.edges.at(-1)!.node).toMatchObject({
      body: 'Back to the pool',
      internal: true,
      authorType: 'AGENT',
      agent: null,
    });
  });
});

describe('refusals change nothing', () => {
  it('each with its code', async () => {
    const {
      channel,
      agents: [ada, bo, full, away, offline],
    } = await desk([
      { capacity: 2, status: 'ONLINE' },
      { capacity: 2, status: 'ONLINE' },
      { capacity: 1, status: 'ONLINE' },
      { capacity: 2, status: 'AWAY' },
      { capacity: 2 },
    ]);
    const { ticketId } = await heldBy(channel, ada!);
    // Full holds one OPEN ticket: at its capacity of 1.
    await heldBy(channel, full!);
    const unknownId = '00000000-0000-4000-8000-000000000000';

    await expectRefused(() => transfer({ ticketId, toAgentId: ada!.id }, bo!.token), 'FORBIDDEN');
    await expectRefused(() => transfer({ ticketId }, bo!.token), 'FORBIDDEN');
    await expectRefused(() => transfer({ ticketId }, channel.token), 'FORBIDDEN');
    await expectRefused(
      () => t.client.execute(TransferTicketDocument, { input: { ticketId } }),
      'UNAUTHENTICATED',
    );
    await expectRefused(() => transfer({ ticketId: unknownId, toAgentId: bo!.id }, ada!.token), 'NOT_FOUND');
    await expectRefused(() => transfer({ ticketId: 'not-an-id' }, ada!.token), 'NOT_FOUND');
    await expectRefused(() => transfer({ ticketId, toAgentId: unknownId }, ada!.token), 'NOT_FOUND');
    await expectRefused(() => transfer({ ticketId, toAgentId: 'nope' }, t.adminToken), 'NOT_FOUND');

    expect(
      await expectRefused(
        () => transfer({ ticketId, toAgentId: ada!.id }, ada!.token),
        'BAD_USER_INPUT',
        'input.toAgentId',
      ),
    ).toMatch(/assignee/);
    expect(
      await expectRefused(
        () => transfer({ ticketId, toAgentId: ada!.id }, t.adminToken),
        'BAD_USER_INPUT',
        'input.toAgentId',
      ),
    ).toMatch(/assignee/);
    expect(
      await expectRefused(
        () => transfer({ ticketId, toAgentId: full!.id }, ada!.token),
        'BAD_USER_INPUT',
        'input.toAgentId',
      ),
    ).toMatch(/capacity \(load 1 of 1\)/);
    expect(
      await expectRefused(
        () => transfer({ ticketId, toAgentId: away!.id }, ada!.token),
        'BAD_USER_INPUT',
        'input.toAgentId',
      ),
    ).toMatch(/AWAY/);
    expect(
      await expectRefused(
        () => transfer({ ticketId, toAgentId: offline!.id }, ada!.token),
        'BAD_USER_INPUT',
        'input.toAgentId',
      ),
    ).toMatch(/OFFLINE/);
    await expectRefused(
      () => transfer({ ticketId, note: '   ' }, ada!.token),
      'BAD_USER_INPUT',
      'input.note',
    );
    await expectRefused(
      () => transfer({ ticketId, note: 'x'.repeat(10_001) }, ada!.token),
      'BAD_USER_INPUT',
      'input.note',
    );

    // A ticket already waiting (a skill nobody has) is not sent to the queue again.
    const rare = await createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: [unique('rare-skill')] });
    const { ticket: waiting } = await receive(t, rare, unique('customer'), 'anyone?');
    expect(await ticket(waiting.id)).toMatchObject({ status: 'NEW', offeredTo: null });
    await expectRefused(() => transfer({ ticketId: waiting.id }, t.adminToken), 'ILLEGAL_TRANSITION');

    // SOLVED and CLOSED tickets are not transferred.
    await t.client.ok(UpdateTicketStatusDocument, { ticketId, status: 'SOLVED' }, ada!.token);
    await expectRefused(() => transfer({ ticketId, toAgentId: bo!.id }, ada!.token), 'ILLEGAL_TRANSITION');
    await expectRefused(() => transfer({ ticketId }, t.adminToken), 'ILLEGAL_TRANSITION');
    const live = await createChannel(t, 'LIVE_CHAT');
    const closed = await heldBy(live, ada!);
    await t.client.ok(
      UpdateTicketStatusDocument,
      { ticketId: closed.ticketId, status: 'SOLVED' },
      ada!.token,
    );
    expect((await ticket(closed.ticketId)).status).toBe('CLOSED');
    await expectRefused(
      () => transfer({ ticketId: closed.ticketId, toAgentId: bo!.id }, t.adminToken),
      'ILLEGAL_TRANSITION',
    );
  });

  it("an admin's transfer ignores capacity and status", async () => {
    const {
      channel,
      agents: [ada, full],
    } = await desk([{ capacity: 2 }, { capacity: 1 }]);
    await heldBy(channel, full!);
    const { ticketId } = await heldBy(channel, ada!);
    expect(await transferred({ ticketId, toAgentId: full!.id }, t.adminToken)).toMatchObject({
      status: 'NEW',
      offeredTo: { id: full!.id },
    });
    expect((await load(full!.id)).load).toBe(2);
  });
});

describe('concurrency (the database is the arbiter)', () => {
  it('10 agents transfer at once to one colleague of capacity 2 while new tickets are routed: never beyond capacity, each transfer once', async () => {
    const holders = 10;
    const {
      channel,
      agents: [target, ...others],
    } = await desk([{ capacity: 2 }, ...Array.from({ length: holders }, () => ({ capacity: 1 }))]);
    const tickets: string[] = [];
    for (const holder of others) tickets.push((await heldBy(channel, holder)).ticketId);
    await setStatus(target!, 'ONLINE');
    for (const holder of others) await setStatus(holder, 'ONLINE');

    const transfers = tickets.map((ticketId, i) =>
      transfer({ ticketId, toAgentId: target!.id, note: `handing over ${i}` }, others[i]!.token),
    );
    const arrivals = Array.from({ length: 10 }, (_, i) =>
      t.client.execute(
        ReceiveMessageDocument,
        { input: { channelId: channel.id, externalUserId: unique('rush'), body: `rush ${i}` } },
        channel.token,
      ),
    );
    const results = await Promise.all(transfers);
    expect((await Promise.all(arrivals)).flatMap((r) => r.errors ?? [])).toEqual([]);

    const accepted = tickets.filter((_, i) => !results[i]!.errors);
    const refused = results.filter((r) => r.errors);
    for (const r of refused) {
      expect(errorCodes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0]!.extensions?.field).toBe('input.toAgentId');
      expect(r.errors![0]!.message).toMatch(/capacity/);
    }
    expect(accepted.length).toBeLessThanOrEqual(2);
    expect(refused.length).toBe(holders - accepted.length);

    // Exactly once: a TRANSFERRED change and a note for each accepted transfer, none for a refused one.
    const rows = await db.query<{ ticket_id: string; kind: string }>(
      `select ticket_id, kind::text from ticket_events
        where ticket_id = any($1::uuid[]) and (kind = 'TRANSFERRED' or (kind = 'MESSAGE_ADDED' and internal))`,
      [tickets],
    );
    const count = (ticketId: string, kind: string) =>
      rows.rows.filter((r) => r.ticket_id === ticketId && r.kind === kind).length;
    tickets.forEach((ticketId, i) => {
      const expected = accepted.includes(ticketId) ? 1 : 0;
      expect([count(ticketId, 'TRANSFERRED'), count(ticketId, 'MESSAGE_ADDED')]).toEqual([
        expected,
        expected,
      ]);
      if (!expected) return;
      expect(results[i]!.data!.transferTicket).toMatchObject({
        status: 'NEW',
        offeredTo: { id: target!.id },
      });
    });
    for (const [i, ticketId] of tickets.entries()) {
      if (accepted.includes(ticketId)) continue;
      expect(await ticket(ticketId)).toMatchObject({ status: 'OPEN', assignee: { id: others[i]!.id } });
    }

    // The target's load, replayed change by change in the order its row lock gave them, never passed
    // its capacity, and ends full (transfers and routing kept coming until it was).
    await t.app.services.events.settle();
    const log = await db.query<{
      status: string;
      assignee_id: string | null;
      offered_to_id: string | null;
      previous_status: string | null;
      previous_assignee_id: string | null;
      previous_offered_to_id: string | null;
    }>(
      `select status::text, assignee_id, offered_to_id, previous_status::text, previous_assignee_id,
              previous_offered_to_id
         from ticket_events
        where $1 in (assignee_id, offered_to_id, previous_assignee_id, previous_offered_to_id)
        order by id`,
      [target!.id],
    );
    const holds = (status: string | null, assignee: string | null, offeredTo: string | null) =>
      (status === 'OPEN' && assignee === target!.id ? 1 : 0) + (offeredTo === target!.id ? 1 : 0);
    let running = 0;
    for (const e of log.rows) {
      running +=
        holds(e.status, e.assignee_id, e.offered_to_id) -
        holds(e.previous_status, e.previous_assignee_id, e.previous_offered_to_id);
      expect(running).toBeLessThanOrEqual(2);
    }
    expect(running).toBe(2);
    expect((await load(target!.id)).load).toBe(2);
  });
});
