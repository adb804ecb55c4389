import pg from 'pg';
import {
  InboxDocument,
  MarkReadDocument,
  ReadStateDocument,
  SendNoteDocument,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * docs/domain.md "Read state": markRead(ticketId, upToSequence) by an agent; Ticket.unreadCount and
 * lastReadSequence for the calling agent; a mark never goes backwards, concurrent marks end at the
 * highest; an inbox page reads every ticket's read state in one statement.
 */
let t: TestApp;
let db: pg.Client;
let channel: { id: string; token: string };
/** The assignee of the tickets below; `reader` is a colleague who reads them. */
let assignee: { id: string; token: string };
let reader: { id: string; token: string };
let seq = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;

beforeAll(async () => {
  t = await startTestApp({ limits: { rateLimits: { messages: null, mutations: null } } });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
  channel = await createChannel(t, 'SOCIAL_MESSAGING');
  // OFFLINE: nothing is routed to them; tickets are given with reassignTicket.
  assignee = await createAgent(t, { status: 'OFFLINE' });
  reader = await createAgent(t, { status: 'OFFLINE' });
});
afterAll(async () => {
  await db.end();
  await t.close();
});

const send = (token: string, ticketId: string, body: string, internal = false) =>
  t.client.ok(SendNoteDocument, { ticketId, body, internal }, token);

/**
 * A ticket whose thread is, by sequence: 1–2 the end user, 3 the assignee's reply, 4 its internal
 * note, 5 an admin's reply, 6 an admin's note, 7 the end user again.
 */
async function mixedThread(): Promise<string> {
  const customer = unique('customer');
  const { ticket } = await receive(t, channel, customer, 'hello');
  await receive(t, channel, customer, 'anyone there?');
  await assign(t, ticket.id, assignee.id);
  await send(assignee.token, ticket.id, 'Hi, looking into it');
  await send(assignee.token, ticket.id, 'customer seems upset', true);
  await send(t.adminToken, ticket.id, 'An admin here');
  await send(t.adminToken, ticket.id, 'admin note', true);
  await receive(t, channel, customer, 'thanks');
  return ticket.id;
}

const readState = async (ticketId: string, token: string) =>
  (await t.client.ok(ReadStateDocument, { id: ticketId }, token)).ticket!;
const mark = (ticketId: string, upToSequence: number, token: string) =>
  t.client.execute(MarkReadDocument, { ticketId, upToSequence }, token);

describe('unreadCount and lastReadSequence', () => {
  it("count, for the calling agent, every message after its mark but its own (others' notes included)", async () => {
    const ticketId = await mixedThread();
    // Unmarked: everything not written by the caller. The assignee wrote 3 and 4.
    expect(await readState(ticketId, assignee.token)).toEqual({
      id: ticketId,
      unreadCount: 5,
      lastReadSequence: 0,
    });
    expect(await readState(ticketId, reader.token)).toMatchObject({ unreadCount: 7, lastReadSequence: 0 });

    expect((await mark(ticketId, 4, assignee.token)).data?.markRead).toEqual({
      id: ticketId,
      unreadCount: 3,
      lastReadSequence: 4,
    });
    // One agent's mark is its own: the colleague's count has not moved.
    expect(await readState(ticketId, reader.token)).toMatchObject({ unreadCount: 7, lastReadSequence: 0 });
    expect((await mark(ticketId, 5, reader.token)).data?.markRead).toMatchObject({
      unreadCount: 2,
      lastReadSequence: 5,
    });

    // A new message counts; the caller's own reply does not.
    await receive(t, channel, (await endUserOf(ticketId))!, 'one more thing');
    await send(assignee.token, ticketId, 'sure');
    expect(await readState(ticketId, assignee.token)).toMatchObject({ unreadCount: 4, lastReadSequence: 4 });
    expect(await readState(ticketId, reader.token)).toMatchObject({ unreadCount: 4, lastReadSequence: 5 });
    expect((await mark(ticketId, 9, assignee.token)).data?.markRead).toMatchObject({
      unreadCount: 0,
      lastReadSequence: 9,
    });
  });

  it('are null for admins and integrations, which keep no read state', async () => {
    const ticketId = await mixedThread();
    for (const token of [t.adminToken, channel.token]) {
      expect(await readState(ticketId, token)).toEqual({
        id: ticketId,
        unreadCount: null,
        lastReadSequence: null,
      });
    }
  });
});

async function endUserOf(ticketId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ external_id: string }>(
    'select u.external_id from tickets t join end_users u on u.id = t.requester_id where t.id = $1',
    [ticketId],
  );
  return rows[0]?.external_id;
}

const storedMark = async (ticketId: string, agentId: string) =>
  (
    await db.query<{ last_read_sequence: number }>(
      'select last_read_sequence from ticket_reads where ticket_id = $1 and agent_id = $2',
      [ticketId, agentId],
    )
  ).rows[0]?.last_read_sequence;

describe('markRead', () => {
  it('never moves a mark back: a lower or equal mark answers with the mark as it stands', async () => {
    const ticketId = await mixedThread();
    expect((await mark(ticketId, 6, reader.token)).data?.markRead.lastReadSequence).toBe(6);
    for (const lower of [2, 0, 6]) {
      const res = await mark(ticketId, lower, reader.token);
      expect(res.errors).toBeUndefined();
      expect(res.data?.markRead).toMatchObject({ lastReadSequence: 6, unreadCount: 1 });
    }
    expect(await storedMark(ticketId, reader.id)).toBe(6);
  });

  it('accepts 0 (nothing read) and the last sequence', async () => {
    const ticketId = await mixedThread();
    expect((await mark(ticketId, 0, reader.token)).data?.markRead).toMatchObject({
      lastReadSequence: 0,
      unreadCount: 7,
    });
    expect(await storedMark(ticketId, reader.id)).toBe(0);
    expect((await mark(ticketId, 7, reader.token)).data?.markRead).toMatchObject({
      lastReadSequence: 7,
      unreadCount: 0,
    });
  });

  it('ends concurrent marks of one agent at the highest, whatever order they commit in', async () => {
    for (let round = 0; round < 3; round++) {
      const ticketId = await mixedThread();
      // Every round starts without a row, so the first marks race on the insert too.
      const marks = [3, 7, 1, 5, 0, 6, 2, 4, 7, 2, 5, 1];
      const results = await Promise.all(marks.map((n) => mark(ticketId, n, reader.token)));
      for (const res of results) expect(res.errors).toBeUndefined();
      expect(await storedMark(ticketId, reader.id)).toBe(7);
      expect(await readState(ticketId, reader.token)).toMatchObject({ lastReadSequence: 7, unreadCount: 0 });
    }
  });

  it('records no ticket change and touches nothing but the mark', async () => {
    const ticketId = await mixedThread();
    const events = async () =>
      Number((await db.query<{ n: string }>('select count(*) as n from ticket_events')).rows[0]!.n);
    const before = await db.query('select updated_at from tickets where id = $1', [ticketId]);
    const eventsBefore = await events();
    await mark(ticketId, 7, reader.token);
    expect(await events()).toBe(eventsBefore);
    expect((await db.query('select updated_at from tickets where id = $1', [ticketId])).rows).toEqual(
      before.rows,
    );
  });

  describe('refusals change nothing', () => {
    let ticketId: string;
    beforeAll(async () => {
      ticketId = await mixedThread();
      await mark(ticketId, 2, reader.token);
    });

    it.each<[string, () => { ticketId: string; upToSequence: number }, () => string | undefined, string]>([
      ['a negative sequence', () => ({ ticketId, upToSequence: -1 }), () => reader.token, 'BAD_USER_INPUT'],
      ['past the last message', () => ({ ticketId, upToSequence: 8 }), () => reader.token, 'BAD_USER_INPUT'],
      [
        'an unknown ticket',
        () => ({ ticketId: '00000000-0000-4000-8000-000000000000', upToSequence: 0 }),
        () => reader.token,
        'NOT_FOUND',
      ],
      ['a malformed id', () => ({ ticketId: 'nope', upToSequence: 0 }), () => reader.token, 'NOT_FOUND'],
      ['an admin', () => ({ ticketId, upToSequence: 3 }), () => t.adminToken, 'FORBIDDEN'],
      ['an integration', () => ({ ticketId, upToSequence: 3 }), () => channel.token, 'FORBIDDEN'],
      ['nobody signed in', () => ({ ticketId, upToSequence: 3 }), () => undefined, 'UNAUTHENTICATED'],
    ])('%s', async (_case, variables, token, code) => {
      const before = await t.snapshot();
      const res = await t.client.execute(MarkReadDocument, variables(), token());
      expect(errorCodes(res)).toEqual([code]);
      if (code === 'BAD_USER_INPUT') expect(res.errors?.[0]?.extensions?.field).toBe('upToSequence');
      expect(await t.snapshot()).toEqual(before);
    });
  });
});

describe('an inbox page', () => {
  it("reads 50 tickets' read state in one statement, each count a range of the (ticket, sequence) index", async () => {
    const inbox = await createChannel(t, 'SOCIAL_MESSAGING');
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const customer = unique('inbox');
      const { ticket } = await receive(t, inbox, customer, `message ${i}`);
      if (i % 2 === 0) await receive(t, inbox, customer, 'and another');
      ids.push(ticket.id);
    }
    await mark(ids[0]!, 1, reader.token);

    const knex = t.app.orm.em.getConnection().getKnex();
    const statements: { sql: string; bindings: unknown[] }[] = [];
    const onQuery = (q: { sql: string; bindings?: unknown[] }) =>
      statements.push({ sql: q.sql, bindings: q.bindings ?? [] });
    knex.on('query', onQuery);
    let page;
    try {
      page = await t.client.ok(InboxDocument, { filter: { channelId: inbox.id }, first: 50 }, reader.token);
    } finally {
      knex.off('query', onQuery);
    }
    expect(page.tickets.edges).toHaveLength(50);
    const readStatements = statements.filter((s) => /ticket_reads/.test(s.sql));
    expect(readStatements).toHaveLength(1);
    // Newest first: ids[0] is the last edge.
    const byId = new Map(page.tickets.edges.map((e) => [e.node.id, e.node]));
    expect(byId.get(ids[0]!)).toMatchObject({ lastReadSequence: 1, unreadCount: 1 });
    expect(byId.get(ids[1]!)).toMatchObject({ lastReadSequence: 0, unreadCount: 1 });
    expect(byId.get(ids[2]!)).toMatchObject({ lastReadSequence: 0, unreadCount: 2 });

    // The plan: per ticket, an index range on messages, never a scan of the table (seq scans off:
    // the table is tiny, and the planner would rightly read it whole).
    const { sql, bindings } = readStatements[0]!;
    let n = 0;
    const numbered = sql.replace(/\?/g, () => `$${++n}`);
    await db.query('set enable_seqscan = off');
    try {
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(`explain ${numbered}`, bindings);
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index Scan using messages_ticket_sequence_unique on messages/);
      expect(plan).toMatch(
        /Index Cond: \(\(ticket_id = t\.id\) AND \(sequence > COALESCE\(r\.last_read_sequence, 0\)\)\)/,
      );
      expect(plan).not.toMatch(/Seq Scan on messages/);
    } finally {
      await db.query('reset enable_seqscan');
    }
  });
});
