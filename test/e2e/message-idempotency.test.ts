import pg from 'pg';
import {
  MessageAddedDocument,
  ReassignTicketDocument,
  SendMessageDocument,
  UpdateTicketStatusDocument,
  type SendMessageMutation,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { errorCodes, type GraphQLResponse } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { SocketPool, subscribeLive } from '../support/ws-client';

/**
 * docs/domain.md "Messages and ingestion": sendMessage(clientMessageId). An agent console that
 * retries a reply after a timeout (the first request may well have committed) must not post it
 * twice, and must get back the message it can match its optimistic one with.
 */
let t: TestApp;
let db: pg.Client;
let channel: { id: string; token: string };
let agent: { id: string; token: string };
let colleague: { id: string; token: string };
const sockets = new SocketPool(() => t.wsUrl);
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

beforeAll(async () => {
  t = await startTestApp({ limits: { rateLimits: { messages: null, mutations: null } } });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
  channel = await createChannel(t, 'SOCIAL_MESSAGING');
  // OFFLINE: nothing is routed to them; tickets are given with reassignTicket.
  agent = await createAgent(t, { status: 'OFFLINE' });
  colleague = await createAgent(t, { status: 'OFFLINE' });
});
afterEach(() => sockets.closeAll());
afterAll(async () => {
  await db.end();
  await t.close();
});

/** A ticket of its own end user on `on`, assigned to `to`. */
async function ticketOf(to: { id: string }, on = channel): Promise<string> {
  const { ticket } = await receive(t, on, unique('customer'), 'hello');
  await assign(t, ticket.id, to.id);
  return ticket.id;
}

const send = (token: string, ticketId: string, body: string, clientMessageId?: string | null) =>
  t.client.execute(SendMessageDocument, { ticketId, body, clientMessageId }, token);

function sent(res: GraphQLResponse<SendMessageMutation>): SendMessageMutation['sendMessage'] {
  expect(res.errors).toBeUndefined();
  return res.data!.sendMessage;
}

const count = async (sql: string, params: unknown[]) =>
  Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
const messagesOf = (ticketId: string) =>
  count('select count(*)::text as n from messages where ticket_id = $1', [ticketId]);
const messageEvents = (ticketId: string) =>
  count(`select count(*)::text as n from ticket_events where ticket_id = $1 and kind = 'MESSAGE_ADDED'`, [
    ticketId,
  ]);

describe('sendMessage(clientMessageId): the same id from the same author on the same ticket is accepted once', () => {
  it('sent twice: one message, the first answered again unchanged, one MESSAGE_ADDED, one messageAdded frame', async () => {
    const ticketId = await ticketOf(agent);
    const ws = await sockets.connect(t.adminToken);
    const live = await subscribeLive(t.app.services.events, ws.client, MessageAddedDocument, { ticketId });
    const before = { messages: await messagesOf(ticketId), events: await messageEvents(ticketId) };

    const first = sent(await send(agent.token, ticketId, 'On its way!', 'tmp-1'));
    expect(first).toMatchObject({
      body: 'On its way!',
      clientMessageId: 'tmp-1',
      agent: { id: agent.id },
      sequence: 2,
    });
    await t.app.services.events.settle();
    const settled = await t.snapshot();

    // The retry: whatever its body, it is the first message, and it changes nothing at all.
    expect(sent(await send(agent.token, ticketId, 'On its way!', 'tmp-1'))).toEqual(first);
    expect(sent(await send(agent.token, ticketId, 'On its way!! (edited)', 'tmp-1'))).toEqual(first);
    expect(await t.snapshot()).toEqual(settled);

    // The next message is the next frame: no frame came for the retries.
    const next = sent(await send(agent.token, ticketId, 'Anything else?', 'tmp-2'));
    expect(next).toMatchObject({ clientMessageId: 'tmp-2', sequence: 3 });
    const frames = await live.waitFor(2);
    expect(frames.map((f) => [f.messageAdded.id, f.messageAdded.clientMessageId])).toEqual([
      [first.id, 'tmp-1'],
      [next.id, 'tmp-2'],
    ]);
    expect(await messagesOf(ticketId)).toBe(before.messages + 2);
    expect(await messageEvents(ticketId)).toBe(before.events + 2);
  });

  it('20 identical sends at once make exactly one message, and every answer is that message', async () => {
    const ticketId = await ticketOf(agent);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => send(agent.token, ticketId, 'Just once', 'burst')),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const answers = results.map(sent);
    expect(new Set(answers.map((m) => m.id)).size).toBe(1);
    expect(answers.every((m) => m.sequence === 2 && m.clientMessageId === 'burst')).toBe(true);
    expect(await messagesOf(ticketId)).toBe(2);
    expect(await messageEvents(ticketId)).toBe(2);
  });

  it('the same id at once from the assignee and an admin: one message each, whatever the interleaving', async () => {
    const ticketId = await ticketOf(agent);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(i % 2 === 0 ? agent.token : t.adminToken, ticketId, `from ${i % 2}`, 'both'),
      ),
    );
    const answers = results.map(sent);
    const byAuthor = new Map(answers.map((m) => [m.agent?.id ?? 'admin', m.id]));
    expect(byAuthor.size).toBe(2);
    expect(answers.every((m) => byAuthor.get(m.agent?.id ?? 'admin') === m.id)).toBe(true);
    expect(new Set(answers.map((m) => m.id)).size).toBe(2);
    expect(await messagesOf(ticketId)).toBe(3);
    expect(await messageEvents(ticketId)).toBe(3);
  });

  it('the same id from another author or on another ticket is another message', async () => {
    const ticketId = await ticketOf(agent);
    const otherTicketId = await ticketOf(agent);
    const mine = sent(await send(agent.token, ticketId, 'mine', 'shared'));
    const admins = sent(await send(t.adminToken, ticketId, "an admin's", 'shared'));
    const elsewhere = sent(await send(agent.token, otherTicketId, 'elsewhere', 'shared'));
    expect(new Set([mine.id, admins.id, elsewhere.id]).size).toBe(3);
    expect(admins).toMatchObject({ agent: null, clientMessageId: 'shared', body: "an admin's" });
    expect(elsewhere).toMatchObject({ ticket: { id: otherTicketId }, sequence: 2 });
    // Every admin token is one author: an admin's retry finds the admin's message.
    expect(sent(await send(t.adminToken, ticketId, "an admin's", 'shared')).id).toBe(admins.id);

    // The ticket moves to a colleague, who happens to use the same id: a message of their own.
    await t.client.ok(ReassignTicketDocument, { ticketId, agentId: colleague.id }, t.adminToken);
    const theirs = sent(await send(colleague.token, ticketId, 'theirs', 'shared'));
    expect(theirs.id).not.toBe(mine.id);
    expect(theirs).toMatchObject({ agent: { id: colleague.id }, body: 'theirs', sequence: 4 });
  });

  it('a retry after the author lost the ticket returns the first message; a new id is FORBIDDEN', async () => {
    const ticketId = await ticketOf(agent);
    const first = sent(await send(agent.token, ticketId, 'I will look into it', 'before-move'));
    await t.client.ok(ReassignTicketDocument, { ticketId, agentId: colleague.id }, t.adminToken);
    const settled = await t.snapshot();
    // The first send succeeded: the honest answer to its retry is that message.
    expect(sent(await send(agent.token, ticketId, 'I will look into it', 'before-move'))).toEqual(first);
    expect(errorCodes(await send(agent.token, ticketId, 'Something new', 'after-move'))).toEqual([
      'FORBIDDEN',
    ]);
    // Nor does an id the author never used on the ticket find someone else's message.
    expect(errorCodes(await send(agent.token, ticketId, 'copy', 'unused'))).toEqual(['FORBIDDEN']);
    expect(await t.snapshot()).toEqual(settled);
  });

  it("another agent's retry of the assignee's id is not theirs: FORBIDDEN, nothing changes", async () => {
    const ticketId = await ticketOf(agent);
    sent(await send(agent.token, ticketId, 'mine', 'not-yours'));
    const settled = await t.snapshot();
    expect(errorCodes(await send(colleague.token, ticketId, 'mine', 'not-yours'))).toEqual(['FORBIDDEN']);
    expect(await t.snapshot()).toEqual(settled);
  });

  it('a retry after the ticket was CLOSED returns the first message; a new id is ILLEGAL_TRANSITION', async () => {
    // Live chat closes on solve.
    const live = await createChannel(t, 'LIVE_CHAT');
    const ticketId = await ticketOf(agent, live);
    const first = sent(await send(agent.token, ticketId, 'Bye!', 'last-words'));
    const solved = await t.client.ok(UpdateTicketStatusDocument, { ticketId, status: 'SOLVED' }, agent.token);
    expect(solved.updateTicketStatus.status).toBe('CLOSED');
    await t.app.services.events.settle();
    const settled = await t.snapshot();
    expect(sent(await send(agent.token, ticketId, 'Bye!', 'last-words'))).toEqual(first);
    expect(errorCodes(await send(agent.token, ticketId, 'Bye!', 'later'))).toEqual(['ILLEGAL_TRANSITION']);
    expect(errorCodes(await send(t.adminToken, ticketId, 'Bye!', 'last-words'))).toEqual([
      'ILLEGAL_TRANSITION',
    ]);
    expect(await t.snapshot()).toEqual(settled);
  });

  it('without clientMessageId (omitted or null) every send is a new message, as before', async () => {
    const ticketId = await ticketOf(agent);
    const a = sent(await send(agent.token, ticketId, 'same'));
    const b = sent(await send(agent.token, ticketId, 'same', null));
    expect(a.id).not.toBe(b.id);
    expect([a.clientMessageId, b.clientMessageId]).toEqual([null, null]);
    expect(await messagesOf(ticketId)).toBe(3);
  });

  it.each<[string, string, string]>([
    ['empty', '', 'clientMessageId'],
    ['blank', '   ', 'clientMessageId'],
    ['129 characters', 'x'.repeat(129), 'clientMessageId'],
    ['a newline', 'tmp\n1', 'clientMessageId'],
    ['an escape character', '\u001b[31m', 'clientMessageId'],
    ['a C1 control character', 'tmp\u00851', 'clientMessageId'],
    ['an unpaired surrogate', 'tmp\uD800', 'clientMessageId'],
    // Refused for every text before anything runs (graphql/nul-text.ts), naming the variable.
    ['NUL', 'tmp\u00001', 'variables.clientMessageId'],
  ])(
    'a clientMessageId that is %s is BAD_USER_INPUT naming it, and nothing is written',
    async (_l, id, field) => {
      const ticketId = await ticketOf(agent);
      await t.app.services.events.settle();
      const settled = await t.snapshot();
      const res = await send(agent.token, ticketId, 'hello', id);
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0]!.extensions?.field).toBe(field);
      expect(res.errors![0]!.message).toContain('clientMessageId');
      expect(await t.snapshot()).toEqual(settled);
    },
  );

  it('128 characters, emoji included, are accepted and come back exactly as sent', async () => {
    const ticketId = await ticketOf(agent);
    const id = ` ${'😀'.repeat(126)} `;
    expect(sent(await send(agent.token, ticketId, 'hello', id)).clientMessageId).toBe(id);
    expect(sent(await send(agent.token, ticketId, 'hello', id.trim())).clientMessageId).toBe(id.trim());
    expect(await messagesOf(ticketId)).toBe(3);
  });
});
