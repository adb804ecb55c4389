import { RawQueryFragment } from '@mikro-orm/core';
import type { GraphQLFormattedError } from 'graphql';
import pg from 'pg';
import {
  InboxDocument,
  SendNoteDocument,
  TicketChangedDocument,
  TicketChangesPageDocument,
  type InboxQuery,
  type InboxQueryVariables,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { errorCodes, type GraphQLResponse } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { SocketPool, subscribeWs } from '../support/ws-client';

/**
 * docs/domain.md "Search": TicketFilter.text finds tickets with a message holding every word (as a
 * word or the start of one), in English and Korean alike, through PostgreSQL full-text search on a
 * GIN index. Integrations search their own channel only and never match through internal notes.
 */
let t: TestApp;
let db: pg.Client;
let channel: { id: string; token: string };
let other: { id: string; token: string };
let agent: { id: string; token: string };
const sockets = new SocketPool(() => t.wsUrl);
let seq = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;

/** The tickets by what their messages say. */
const tickets: Record<string, string> = {};

async function ticketSaying(name: string, on: { id: string; token: string }, ...bodies: string[]) {
  const customer = unique(name);
  for (const body of bodies) {
    const { ticket } = await receive(t, on, customer, body);
    tickets[name] = ticket.id;
  }
  return tickets[name]!;
}

beforeAll(async () => {
  t = await startTestApp({ limits: { rateLimits: { messages: null, mutations: null } } });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
  channel = await createChannel(t, 'SOCIAL_MESSAGING');
  other = await createChannel(t, 'SOCIAL_MESSAGING');
  agent = await createAgent(t, { status: 'OFFLINE' });

  await ticketSaying('order', channel, 'Hello', 'I want a refund for my order');
  await ticketSaying('plural', channel, 'REFUNDS take too long!');
  await ticketSaying('korean', channel, '환불을 요청합니다. 주문번호는 1234입니다');
  await ticketSaying('delivery', channel, '배송이 아직 안 왔어요');
  await ticketSaying('elsewhere', other, 'refund please');
  // A refund mentioned only in an internal note, by the assignee and by an admin.
  const noted = await ticketSaying('noted', channel, 'Where is my parcel?');
  await assign(t, noted, agent.id);
  await t.client.ok(
    SendNoteDocument,
    { ticketId: noted, body: 'They asked for a refund by phone', internal: true },
    agent.token,
  );
  await t.client.ok(SendNoteDocument, { ticketId: noted, body: '환불 승인함', internal: true }, t.adminToken);
  // OPEN, for the status filter.
  await assign(t, tickets.plural!, agent.id);
});
afterEach(() => sockets.closeAll());
afterAll(async () => {
  await db.end();
  await t.close();
});

async function search(filter: InboxQueryVariables['filter'], token = agent.token, first = 100) {
  const res = await t.client.execute(InboxDocument, { filter, first }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.tickets;
}

/** The names of the tickets found, sorted. */
async function found(text: string, token = agent.token, filter: InboxQueryVariables['filter'] = {}) {
  const page = await search({ ...filter, text }, token);
  const names = new Map(Object.entries(tickets).map(([name, id]) => [id, name]));
  const result = page.edges.map((e) => names.get(e.node.id) ?? e.node.id).sort();
  expect(page.totalCount).toBe(result.length);
  return result;
}

describe('words, in English and Korean', () => {
  it.each([
    ['a word', 'refund', ['elsewhere', 'noted', 'order', 'plural']],
    ['any case', 'ReFuNd', ['elsewhere', 'noted', 'order', 'plural']],
    ['a plural by its singular (a prefix)', 'refund', ['elsewhere', 'noted', 'order', 'plural']],
    ['the plural itself', 'refunds', ['plural']],
    ['every word, in one message', 'refund order', ['order']],
    ['every word of a note', 'refund phone', ['noted']],
    ['not words spread over messages', 'hello order', []],
    ['a word and one no message holds', 'refund zebra', []],
    ['Korean: a stem finds the word with its particle (환불 → 환불을)', '환불', ['korean', 'noted']],
    ['Korean: the word as written', '환불을', ['korean']],
    ['Korean: a sentence', '환불을 요청합니다', ['korean']],
    ['Korean: the start of each word', '환불 요청', ['korean']],
    ['Korean and digits', '주문번호는 1234', ['korean']],
    ['Korean: another ticket', '배송', ['delivery']],
  ])('finds %s (%s)', async (_case, text, expected) => {
    expect(await found(text)).toEqual([...expected].sort());
  });
});

describe('who finds what', () => {
  it('an admin, like agents, matches through internal notes', async () => {
    expect(await found('refund', t.adminToken)).toEqual(['elsewhere', 'noted', 'order', 'plural']);
    expect(await found('phone', t.adminToken)).toEqual(['noted']);
  });

  it('an integration searches its own channel only, and never through internal notes', async () => {
    expect(await found('refund', channel.token)).toEqual(['order', 'plural']);
    expect(await found('phone', channel.token)).toEqual([]);
    expect(await found('승인함', channel.token)).toEqual([]);
    expect(await found('환불', channel.token)).toEqual(['korean']);
    // Its public message still finds the noted ticket.
    expect(await found('parcel', channel.token)).toEqual(['noted']);
    expect(await found('refund', other.token)).toEqual(['elsewhere']);
    expect(await found('refund', other.token, { channelId: channel.id })).toEqual([]);
  });
});

describe('with the other filters and paging', () => {
  it('combines with statuses, channel and assignee', async () => {
    expect(await found('refund', agent.token, { statuses: ['NEW'] })).toEqual(['elsewhere', 'order']);
    expect(await found('refund', agent.token, { statuses: ['OPEN'] })).toEqual(['noted', 'plural']);
    expect(await found('refund', agent.token, { channelId: other.id })).toEqual(['elsewhere']);
    expect(await found('refund', agent.token, { assigneeId: agent.id })).toEqual(['noted', 'plural']);
  });

  it('pages in the list order, every match once, with totalCount across pages', async () => {
    const pageChannel = await createChannel(t, 'SOCIAL_MESSAGING');
    const matching: string[] = [];
    for (let i = 0; i < 7; i++) {
      matching.push(await ticketSaying(`invoice-${i}`, pageChannel, `invoice number ${i} is wrong`));
      await ticketSaying(`noise-${i}`, pageChannel, `something else ${i}`);
    }
    // The list's own order (created_at, then id, descending), which the search keeps.
    const all = await search({ channelId: pageChannel.id });
    const listOrder = all.edges.map((e) => e.node.id).filter((id) => matching.includes(id));
    expect([...listOrder].sort()).toEqual([...matching].sort());

    // White box: each query's raw search condition is consumed, none is left in MikroORM's cache.
    const cachedFragments = RawQueryFragment.checkCacheSize();
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; ; pages++) {
      const res: GraphQLResponse<InboxQuery> = await t.client.execute(
        InboxDocument,
        { filter: { channelId: pageChannel.id, text: 'invoice' }, first: 3, after },
        agent.token,
      );
      expect(res.errors).toBeUndefined();
      const page = res.data!.tickets;
      expect(page.totalCount).toBe(7);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
      expect(pages).toBeLessThan(3);
    }
    expect(seen).toEqual(listOrder);
    expect(RawQueryFragment.checkCacheSize()).toBe(cachedFragments);
  });
});

describe('odd input', () => {
  it.each([
    ['a prefix marker', ':*', []],
    ['operators', '&|!()', []],
    ['phrase and negation syntax', '<-> !', []],
    ['quotes only', `"'"''`, []],
    ['backslashes', '\\ \\\\', []],
    ['only punctuation', '?!...,;:-', []],
    ['tsquery syntax around a word', "refund:* & !order | (x'", []],
    ['a word in double quotes', '"refund"', ['elsewhere', 'noted', 'order', 'plural']],
    ['a word with a prefix marker', 'refund:*', ['elsewhere', 'noted', 'order', 'plural']],
    ["a negation is just a word: !order finds the ticket saying 'order'", 'refund !order', ['order']],
    ['a quote inside a word', "refund's", []],
    ['emoji', '🙂 refund', []],
  ])('never fails: %s (%p)', async (_case, text, expected) => {
    const res = await t.client.execute(InboxDocument, { filter: { text }, first: 100 }, agent.token);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const names = new Map(Object.entries(tickets).map(([name, id]) => [id, name]));
    expect(res.data!.tickets.edges.map((e) => names.get(e.node.id)).sort()).toEqual([...expected].sort());
  });

  it('accepts 200 characters; refuses blank text and longer text with BAD_USER_INPUT naming filter.text', async () => {
    await search({ text: `refund ${'x'.repeat(193)}` });
    for (const text of ['', '   ', '\n\t', 'x'.repeat(201)]) {
      const res = await t.client.execute(InboxDocument, { filter: { text }, first: 10 }, agent.token);
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.extensions?.field).toBe('filter.text');
    }
  });
});

describe('streams', () => {
  it('refuse filter.text with BAD_USER_INPUT: ticketChanges and ticketChanged', async () => {
    const before = await t.snapshot();
    const res = await t.client.execute(
      TicketChangesPageDocument,
      { filter: { text: 'refund' } },
      agent.token,
    );
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.extensions?.field).toBe('filter.text');

    const ws = await sockets.connect(agent.token);
    const live = subscribeWs(ws.client, TicketChangedDocument, { filter: { text: 'refund' } });
    await expect(live.waitFor(1)).rejects.toThrow(/subscription failed/);
    const refusal = live.errors
      .flatMap((e) => (Array.isArray(e) ? (e as GraphQLFormattedError[]) : [e as GraphQLFormattedError]))
      .map((e) => [e.extensions?.code, e.extensions?.field]);
    expect(refusal).toEqual([['BAD_USER_INPUT', 'filter.text']]);
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('the plan', () => {
  it('finds matching messages through the GIN index on a populated table', async () => {
    // Thousands of messages on one ticket, none with the word searched for.
    const filler = await ticketSaying('filler', channel, 'filler 0');
    await db.query(
      `insert into messages (id, ticket_id, channel_id, sequence, author_type, body, created_at)
       select gen_random_uuid(), $1, $2, n, 'END_USER', 'filler message ' || n || ' about topic' || (n % 97), now()
       from generate_series(2, 5001) as n`,
      [filler, channel.id],
    );
    await db.query('update tickets set last_sequence = 5001 where id = $1', [filler]);
    await db.query('analyze messages');

    const knex = t.app.orm.em.getConnection().getKnex();
    const statements: { sql: string; bindings: unknown[] }[] = [];
    const onQuery = (q: { sql: string; bindings?: unknown[] }) =>
      statements.push({ sql: q.sql, bindings: q.bindings ?? [] });
    knex.on('query', onQuery);
    try {
      expect(await found('refund')).toEqual(['elsewhere', 'noted', 'order', 'plural']);
    } finally {
      knex.off('query', onQuery);
    }
    const page = statements.find((s) => /"messages_search|@@/.test(s.sql) && /order by/i.test(s.sql));
    expect(page).toBeDefined();
    let n = 0;
    const numbered = page!.sql.replace(/\?/g, () => `$${++n}`);
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(`explain ${numbered}`, page!.bindings);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Bitmap Index Scan on messages_search_index/);
    expect(plan).not.toMatch(/Seq Scan on messages/);
  });
});
