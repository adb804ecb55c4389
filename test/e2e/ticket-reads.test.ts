import { TicketMessagesDocument, TicketsDocument, type TicketsQuery } from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let channel: { id: string; token: string };
let other: { id: string; token: string };
const ids: string[] = [];
let agents: { id: string; token: string }[];

beforeAll(async () => {
  t = await startTestApp();
  channel = await createChannel(t, 'SOCIAL_MESSAGING');
  other = await createChannel(t, 'LIVE_CHAT_RETURNING');
  agents = [await createAgent(t), await createAgent(t), await createAgent(t)];
  for (let i = 0; i < 60; i++) {
    t.clock.advance(1);
    const target = i % 4 === 3 ? other : channel;
    const { ticket } = await receive(t, target, `reader-${i}`, `hello ${i}`);
    ids.push(ticket.id);
    if (i % 2 === 0) await assign(t, ticket.id, agents[i % 3]!.id);
  }
});
afterAll(() => t.close());

describe('tickets(filter, first, after)', () => {
  it('pages newest first with Relay cursors and a totalCount', async () => {
    const seen: string[] = [];
    let after: string | null | undefined = null;
    for (;;) {
      const { tickets }: TicketsQuery = await t.client.ok(
        TicketsDocument,
        { first: 25, after },
        t.adminToken,
      );
      expect(tickets.totalCount).toBe(60);
      seen.push(...tickets.edges.map((e) => e.node.id));
      if (!tickets.pageInfo.hasNextPage) break;
      after = tickets.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by status, assignee, channel and requester', async () => {
    const open = await t.client.ok(
      TicketsDocument,
      { filter: { statuses: ['OPEN'] }, first: 100 },
      t.adminToken,
    );
    expect(open.tickets.totalCount).toBe(30);
    const byAgent = await t.client.ok(
      TicketsDocument,
      { filter: { assigneeId: agents[0]!.id }, first: 100 },
      t.adminToken,
    );
    expect(byAgent.tickets.totalCount).toBe(10);
    expect(byAgent.tickets.edges.every((e) => e.node.assignee?.id === agents[0]!.id)).toBe(true);
    const byChannel = await t.client.ok(
      TicketsDocument,
      { filter: { channelId: other.id }, first: 100 },
      t.adminToken,
    );
    expect(byChannel.tickets.totalCount).toBe(15);
    const first = byChannel.tickets.edges[0]!.node;
    const byRequester = await t.client.ok(
      TicketsDocument,
      { filter: { requesterId: first.requester.id } },
      t.adminToken,
    );
    expect(byRequester.tickets.edges.map((e) => e.node.id)).toEqual([first.id]);
    const nothing = await t.client.ok(TicketsDocument, { filter: { assigneeId: 'not-an-id' } }, t.adminToken);
    expect(nothing.tickets).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('shows an integration only its own channel, whatever the filter says', async () => {
    const mine = await t.client.ok(TicketsDocument, { first: 100 }, other.token);
    expect(mine.tickets.totalCount).toBe(15);
    expect(mine.tickets.edges.every((e) => e.node.channel.id === other.id)).toBe(true);
    const elsewhere = await t.client.ok(TicketsDocument, { filter: { channelId: channel.id } }, other.token);
    expect(elsewhere.tickets.totalCount).toBe(0);
  });

  it('costs a bounded number of queries for a page of 50 with requester, assignee, channel and style', async () => {
    const knex = t.app.orm.em.getConnection().getKnex();
    const queriesFor = async (first: number) => {
      let queries = 0;
      const onQuery = () => queries++;
      knex.on('query', onQuery);
      try {
        const { tickets } = await t.client.ok(TicketsDocument, { first }, t.adminToken);
        expect(tickets.edges).toHaveLength(first);
      } finally {
        knex.off('query', onQuery);
      }
      return queries;
    };
    const forFifty = await queriesFor(50);
    // The page and its count, then one batched query per related table (channels, styles, end
    // users, agents, follow-ups): the same for 5 tickets as for 50.
    expect(forFifty).toBeLessThanOrEqual(7);
    expect(forFifty).toBe(await queriesFor(5));
  });
});

describe('Ticket.messages', () => {
  it('is a connection in sequence order', async () => {
    const { ticket } = await receive(t, channel, 'threaded', 'one');
    for (const body of ['two', 'three', 'four', 'five']) await receive(t, channel, 'threaded', body);
    const page1 = await t.client.ok(TicketMessagesDocument, { id: ticket.id, first: 2 }, t.adminToken);
    const edges1 = page1.ticket!.messages.edges;
    expect(edges1.map((e) => [e.node.sequence, e.node.body])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(page1.ticket!.messages.pageInfo.hasNextPage).toBe(true);
    const page2 = await t.client.ok(
      TicketMessagesDocument,
      { id: ticket.id, first: 10, after: page1.ticket!.messages.pageInfo.endCursor },
      t.adminToken,
    );
    expect(page2.ticket!.messages.edges.map((e) => e.node.sequence)).toEqual([3, 4, 5]);
    expect(page2.ticket!.messages.pageInfo).toMatchObject({ hasNextPage: false });
  });
});
