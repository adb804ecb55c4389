import pg from 'pg';
import { systemClock } from '../../src/domain/clock';
import {
  AcceptTicketDocument,
  AgentLoadDocument,
  OfferDocument,
  SetAgentStatusDocument,
  TicketDocument,
  UpdateChannelDocument,
  UpdateConversationStyleDocument,
  UpdateRoutingSettingsDocument,
  UpdateTicketStatusDocument,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive, styleId } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline)
      throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function closedEvents(
  t: { db: { url: string } },
  ticketIds: readonly string[],
): Promise<Map<string, number>> {
  const db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
  try {
    const { rows } = await db.query<{ ticket_id: string; n: string }>(
      `select ticket_id, count(*)::text as n from ticket_events
        where kind = 'STATUS_CHANGED' and to_status = 'CLOSED' and ticket_id = any($1::uuid[]) group by ticket_id`,
      [ticketIds],
    );
    return new Map(rows.map((r) => [r.ticket_id, Number(r.n)]));
  } finally {
    await db.end();
  }
}

describe('automations in real time (Agenda on PostgreSQL, the system clock)', () => {
  let t: TestApp<typeof systemClock>;
  beforeAll(async () => {
    t = await startTestApp({ clock: systemClock, scheduler: { processEveryMs: 200 } });
  });
  afterAll(() => t.close());

  const status = async (id: string) => (await t.client.ok(TicketDocument, { id }, t.adminToken)).ticket!;
  const solve = (ticketId: string, token: string) =>
    t.client.ok(UpdateTicketStatusDocument, { ticketId, status: 'SOLVED' }, token);

  it('closes a solved ticket on time; a reopened one stays open; a message after CLOSED starts a follow-up', async () => {
    const channel = await createChannel(t, 'LIVE_CHAT_RETURNING', { closeAfterSolvedSeconds: 2 });
    const agent = await createAgent(t, { capacity: 10 });
    const closing = (await receive(t, channel, 'rt-close', 'hello')).ticket.id;
    const reopened = (await receive(t, channel, 'rt-reopen', 'hello')).ticket.id;
    for (const id of [closing, reopened]) await assign(t, id, agent.id);

    await solve(closing, agent.token);
    await solve(reopened, agent.token);
    await receive(t, channel, 'rt-reopen', 'wait, one more thing');

    const closed = await eventually(
      () => status(closing),
      (s) => s.status === 'CLOSED',
    );
    expect(new Date(closed.closedAt!).getTime()).toBeGreaterThanOrEqual(
      new Date(closed.solvedAt!).getTime() + 2000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await status(reopened)).status).toBe('OPEN');
    expect((await closedEvents(t, [closing])).get(closing)).toBe(1);

    const again = await receive(t, channel, 'rt-close', 'me again');
    expect(again.ticket).toMatchObject({
      status: expect.stringMatching(/NEW|OPEN/),
      followUpOf: { id: closing },
    });
  });

  it('does not close early after a reopen and a re-solve', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING', { closeAfterSolvedSeconds: 2 });
    const agent = await createAgent(t, { capacity: 10 });
    const id = (await receive(t, channel, 'rt-resolve', 'hello')).ticket.id;
    await assign(t, id, agent.id);
    await solve(id, agent.token);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await receive(t, channel, 'rt-resolve', 'actually…');
    const second = (await solve(id, agent.token)).updateTicketStatus;
    const secondSolve = new Date(second.solvedAt!).getTime();
    // The first solve's close was due ~0.8 s from here; the ticket must outlive it.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect((await status(id)).status).toBe('SOLVED');
    const closed = await eventually(
      () => status(id),
      (s) => s.status === 'CLOSED',
    );
    expect(new Date(closed.closedAt!).getTime()).toBeGreaterThanOrEqual(secondSolve + 2000);
  });

  it("moves the close of SOLVED tickets when their style's interval changes", async () => {
    const style = await styleId(t, 'SOCIAL_MESSAGING', 3600);
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');

    await t.client.ok(UpdateChannelDocument, { id: channel.id, input: { styleId: style } }, t.adminToken);
    const agent = await createAgent(t, { capacity: 10 });
    const id = (await receive(t, channel, 'rt-style', 'hello')).ticket.id;
    await assign(t, id, agent.id);
    const solved = (await solve(id, agent.token)).updateTicketStatus;
    expect(new Date(solved.closesAt!).getTime() - new Date(solved.solvedAt!).getTime()).toBe(3_600_000);

    await t.client.ok(
      UpdateConversationStyleDocument,
      { id: style, input: { closeAfterSolvedSeconds: 1 } },
      t.adminToken,
    );
    expect(new Date((await status(id)).closesAt!).getTime() - new Date(solved.solvedAt!).getTime()).toBe(
      1000,
    );
    await eventually(
      () => status(id),
      (s) => s.status === 'CLOSED',
    );
  });

  it('expires an offer on time: re-offered to the next agent, the first set AWAY', async () => {
    await t.client.ok(UpdateRoutingSettingsDocument, { input: { offerTimeoutSeconds: 5 } }, t.adminToken);
    const channel = await createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: ['expiry'] });
    const first = await createAgent(t, { capacity: 2, skills: ['expiry'] });
    const id = (await receive(t, channel, 'rt-offer', 'anyone?')).ticket.id;
    const offered = await t.client.ok(OfferDocument, { id }, t.adminToken);
    expect(offered.ticket?.offeredTo?.id).toBe(first.id);
    const second = await createAgent(t, { capacity: 1, skills: ['expiry'] });

    const moved = await eventually(
      async () => (await t.client.ok(OfferDocument, { id }, t.adminToken)).ticket!,
      (ticket) => ticket.offeredTo?.id === second.id,
    );
    expect(new Date(moved.offerExpiresAt!).getTime()).toBeGreaterThan(Date.now());
    const { agent } = await t.client.ok(AgentLoadDocument, { id: first.id }, t.adminToken);
    expect(agent?.status).toBe('AWAY');
    await t.client.ok(SetAgentStatusDocument, { status: 'OFFLINE' }, second.token);
  });
});

describe('the sweep, on a test clock', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('closes every overdue SOLVED ticket and expires every overdue offer, once', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const agent = await createAgent(t, { capacity: 10 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await receive(t, channel, `sweep-${i}`, 'hi')).ticket.id);
    for (const id of ids.slice(0, 2)) {
      await t.client.ok(AcceptTicketDocument, { ticketId: id }, agent.token);
      await t.client.ok(UpdateTicketStatusDocument, { ticketId: id, status: 'SOLVED' }, agent.token);
    }
    expect(await t.app.services.tickets.closeOverdue()).toBe(0);

    t.clock.advance(345_600);
    const sweeps = await Promise.all([
      t.app.services.tickets.closeOverdue(),
      t.app.services.tickets.closeOverdue(),
      t.app.services.offers.expireOverdueOffers(),
    ]);
    expect(sweeps[0] + sweeps[1]).toBe(2);
    expect(sweeps[2]).toBe(1);
    const counts = await closedEvents(t, ids);
    expect([counts.get(ids[0]!), counts.get(ids[1]!), counts.get(ids[2]!)]).toEqual([1, 1, undefined]);
    expect((await t.client.ok(OfferDocument, { id: ids[2]! }, t.adminToken)).ticket).toMatchObject({
      offeredTo: null,
    });
  });
});

describe('two server instances on one database', () => {
  it('close 100 tickets due at once exactly once each', async () => {
    const a = await startTestApp({ clock: systemClock, scheduler: { processEveryMs: 200 } });
    const b = await startTestApp({ db: a.db, clock: systemClock, scheduler: { processEveryMs: 200 } });
    try {
      await t2(a, b);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

async function t2(a: TestApp<typeof systemClock>, b: TestApp<typeof systemClock>): Promise<void> {
  await a.client.ok(UpdateRoutingSettingsDocument, { input: { autoAccept: true } }, a.adminToken);
  const channel = await createChannel(a, 'LIVE_CHAT_RETURNING', { closeAfterSolvedSeconds: 2 });
  const agent = await createAgent(a, { capacity: 100 });
  const ids = await Promise.all(
    Array.from(
      { length: 100 },
      async (_, i) => (await receive(i % 2 ? a : b, channel, `pair-${i}`, 'hi')).ticket.id,
    ),
  );
  await Promise.all(
    ids.map((ticketId, i) =>
      (i % 2 ? a : b).client.ok(UpdateTicketStatusDocument, { ticketId, status: 'SOLVED' }, agent.token),
    ),
  );
  // Both processes' Agenda run the jobs; both sweep too once they are due, as a lost-lock duplicate would.
  await new Promise((resolve) => setTimeout(resolve, 2200));
  await Promise.all([a.app.services.tickets.closeOverdue(), b.app.services.tickets.closeOverdue()]);
  const counts = await eventually(
    () => closedEvents(a, ids),
    (m) => m.size === ids.length,
  );
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}
