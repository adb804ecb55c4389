import pg from 'pg';
import {
  CreateWebhookEndpointDocument,
  NoteChangeLogDocument,
  NoteMessageAddedDocument,
  NoteNodeDocument,
  NoteTicketChangedDocument,
  NoteThreadDocument,
  SendNoteDocument,
  UpdateMessageDeliveryDocument,
  UpdateTicketStatusDocument,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { refusalCheck } from '../support/refusals';
import { startTestApp, type TestApp } from '../support/test-app';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { SocketPool, subscribeLive } from '../support/ws-client';

/**
 * docs/domain.md "Internal notes": agents and admins write notes on a ticket they may write to;
 * a note has a sequence like any message, changes no status, counts for no reply metric, and no
 * integration meets it by any path — thread reads, node(id), receipts, live streams, their
 * replays, catch-up reads, webhooks (an admin's endpoint for every channel included).
 */
let t: TestApp;
let db: pg.Client;
let channel: { id: string; token: string };
let agent: { id: string; token: string };
let colleague: { id: string; token: string };
let hook: WebhookReceiver;
const sockets = new SocketPool(() => t.wsUrl);
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

beforeAll(async () => {
  t = await startTestApp({
    limits: { rateLimits: { messages: null, mutations: null } },
    webhooks: { retryBaseMs: 50, blockPrivateAddresses: true, allowedHosts: ['127.0.0.1'] },
  });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
  channel = await createChannel(t, 'SOCIAL_MESSAGING');
  // OFFLINE: nothing is routed to them; tickets are given with reassignTicket.
  agent = await createAgent(t, { status: 'OFFLINE' });
  colleague = await createAgent(t, { status: 'OFFLINE' });
  hook = await startWebhookReceiver();
});
afterEach(() => sockets.closeAll());
afterAll(async () => {
  await db.query('update webhook_endpoints set enabled = false');
  await hook.close();
  await db.end();
  await t.close();
});

async function assignedTicket() {
  const received = await receive(t, channel, unique('customer'), 'My parcel is late');
  await assign(t, received.ticket.id, agent.id);
  return { ticketId: received.ticket.id, requesterId: received.ticket.requester.id };
}

const note = (ticketId: string, body: string, token = agent.token) =>
  t.client.ok(SendNoteDocument, { ticketId, body, internal: true }, token).then((r) => r.sendMessage);
const reply = (ticketId: string, body: string, token = agent.token) =>
  t.client.ok(SendNoteDocument, { ticketId, body }, token).then((r) => r.sendMessage);

const expectRefused = refusalCheck(() => t);

describe('writing a note', () => {
  it('has a sequence, changes no status and is no reply for the metrics', async () => {
    const { ticketId } = await assignedTicket();
    const before = await t.client.ok(NoteThreadDocument, { id: ticketId, first: 10 }, t.adminToken);
    t.clock.advance(60);
    const written = await note(ticketId, 'Customer is a VIP, be gentle');
    expect(written).toMatchObject({ sequence: 2, authorType: 'AGENT', internal: true });

    const after = await t.client.ok(NoteThreadDocument, { id: ticketId, first: 10 }, t.adminToken);
    expect(after.ticket!.status).toBe(before.ticket!.status);
    expect(after.ticket!.metrics.firstReplySeconds).toBeNull();

    t.clock.advance(60);
    const answer = await reply(ticketId, 'Your parcel ships today');
    expect(answer).toMatchObject({ sequence: 3, internal: false });
    const replied = await t.client.ok(NoteThreadDocument, { id: ticketId, first: 10 }, t.adminToken);
    // The reply, not the note a minute earlier, answers the end user.
    expect(replied.ticket!.metrics.firstReplySeconds).toBe(120);
  });

  it('an admin writes notes on any ticket; a colleague who is not the assignee may not', async () => {
    const { ticketId } = await assignedTicket();
    expect(await note(ticketId, 'Escalated to billing', t.adminToken)).toMatchObject({
      internal: true,
      authorType: 'AGENT',
    });
    await expectRefused(
      () => t.client.execute(SendNoteDocument, { ticketId, body: 'psst', internal: true }, colleague.token),
      'FORBIDDEN',
    );
    await expectRefused(
      () => t.client.execute(SendNoteDocument, { ticketId, body: 'psst', internal: true }, channel.token),
      'FORBIDDEN',
    );
  });

  it('not on a CLOSED ticket', async () => {
    // Live chat closes on solve.
    const live = await createChannel(t, 'LIVE_CHAT');
    const received = await receive(t, live, unique('customer'), 'Hello?');
    const ticketId = received.ticket.id;
    await assign(t, ticketId, agent.id);
    const solved = await t.client.ok(UpdateTicketStatusDocument, { ticketId, status: 'SOLVED' }, agent.token);
    expect(solved.updateTicketStatus.status).toBe('CLOSED');
    await expectRefused(
      () => t.client.execute(SendNoteDocument, { ticketId, body: 'late note', internal: true }, t.adminToken),
      'ILLEGAL_TRANSITION',
    );
  });

  it('a retried note (the same clientMessageId) is written once', async () => {
    const { ticketId } = await assignedTicket();
    const sends = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.client.ok(
          SendNoteDocument,
          { ticketId, body: 'once', internal: true, clientMessageId: 'n-1' },
          agent.token,
        ),
      ),
    );
    expect(new Set(sends.map((s) => s.sendMessage.id)).size).toBe(1);
    const { rows } = await db.query(
      'select count(*)::int as n from messages where ticket_id = $1 and internal',
      [ticketId],
    );
    expect(rows[0].n).toBe(1);
  });
});

describe('no integration meets a note, by any path', () => {
  it('reads: the thread, node(id), and a receipt for it', async () => {
    const { ticketId } = await assignedTicket();
    const written = await note(ticketId, 'Refund approved internally');
    await reply(ticketId, 'We are on it');

    const agentThread = await t.client.ok(NoteThreadDocument, { id: ticketId, first: 10 }, agent.token);
    expect(agentThread.ticket!.messages.edges.map((e) => e.node.sequence)).toEqual([1, 2, 3]);
    const integrationThread = await t.client.ok(
      NoteThreadDocument,
      { id: ticketId, first: 10 },
      channel.token,
    );
    expect(integrationThread.ticket!.messages.edges.map((e) => [e.node.sequence, e.node.internal])).toEqual([
      [1, false],
      [3, false],
    ]);
    // Paged from the newest end, a note is no page of its own.
    const newest = await t.client.ok(NoteThreadDocument, { id: ticketId, last: 1 }, channel.token);
    expect(newest.ticket!.messages.edges.map((e) => e.node.sequence)).toEqual([3]);
    const older = await t.client.ok(NoteThreadDocument, { id: ticketId, last: 2 }, channel.token);
    expect(older.ticket!.messages.edges.map((e) => e.node.sequence)).toEqual([1, 3]);
    expect(older.ticket!.messages.pageInfo.hasPreviousPage).toBe(false);

    expect((await t.client.ok(NoteNodeDocument, { id: written.id }, channel.token)).node).toBeNull();
    expect((await t.client.ok(NoteNodeDocument, { id: written.id }, agent.token)).node).toMatchObject({
      id: written.id,
      internal: true,
    });

    await expectRefused(
      () =>
        t.client.execute(
          UpdateMessageDeliveryDocument,
          { input: { messageId: written.id, status: 'DELIVERED' } },
          channel.token,
        ),
      'NOT_FOUND',
    );
    // An admin may see the note, but a note is never sent, so it has no receipts.
    await expectRefused(
      () =>
        t.client.execute(
          UpdateMessageDeliveryDocument,
          { input: { messageId: written.id, status: 'DELIVERED' } },
          t.adminToken,
        ),
      'BAD_USER_INPUT',
      'input.messageId',
    );
  });

  it('streams, their replays, catch-up reads and webhooks', async () => {
    // An admin's endpoint for every channel and every kind: the widest a partner can ask for. (Made
    // here, the last test, so its deliveries cannot move a refusal's snapshots in another test.)
    const { createWebhookEndpoint } = await t.client.ok(
      CreateWebhookEndpointDocument,
      { input: { url: hook.url() } },
      t.adminToken,
    );
    hook.setSecrets([createWebhookEndpoint.secret]);
    const { ticketId, requesterId } = await assignedTicket();
    await t.app.services.events.settle();
    const integrationSocket = await sockets.connect(channel.token);
    const agentSocket = await sockets.connect(agent.token);
    const events = t.app.services.events;
    const integrationThread = await subscribeLive(
      events,
      integrationSocket.client,
      NoteMessageAddedDocument,
      {
        ticketId,
      },
    );
    const integrationFeed = await subscribeLive(events, integrationSocket.client, NoteTicketChangedDocument, {
      filter: { requesterId },
    });
    const agentThread = await subscribeLive(events, agentSocket.client, NoteMessageAddedDocument, {
      ticketId,
    });

    const written = await note(ticketId, 'Do not promise a date');
    const answer = await reply(ticketId, 'Thanks for waiting');

    // The agent hears both, in order; the integration only the reply (and, had the note reached
    // it, it would have come first: the ticket's changes arrive in order).
    expect((await agentThread.waitFor(2)).map((m) => [m.messageAdded.id, m.messageAdded.internal])).toEqual([
      [written.id, true],
      [answer.id, false],
    ]);
    const [heard] = await integrationThread.waitFor(1);
    expect(heard!.messageAdded.id).toBe(answer.id);
    const [changed] = await integrationFeed.waitFor(1);
    expect(changed!.ticketChanged).toMatchObject({ kind: 'MESSAGE_ADDED', message: { id: answer.id } });

    // A replay from the start of the thread, and a catch-up read from the start of the stream.
    const replay = await subscribeLive(events, integrationSocket.client, NoteMessageAddedDocument, {
      ticketId,
      afterSequence: 0,
    });
    expect((await replay.waitFor(2)).map((m) => m.messageAdded.sequence)).toEqual([1, 3]);
    const integrationLog = await t.client.ok(
      NoteChangeLogDocument,
      { filter: { requesterId }, first: 100 },
      channel.token,
    );
    const adminLog = await t.client.ok(
      NoteChangeLogDocument,
      { filter: { requesterId }, first: 100 },
      t.adminToken,
    );
    const messagesIn = (log: typeof adminLog) =>
      log.ticketChanges.edges.flatMap((e) => (e.node.message ? [e.node.message.id] : []));
    expect(messagesIn(adminLog)).toContain(written.id);
    expect(messagesIn(integrationLog)).not.toContain(written.id);
    expect(messagesIn(integrationLog)).toContain(answer.id);
    // The integration's catch-up read lists exactly the admin's, notes left out.
    expect(integrationLog.ticketChanges.edges.length).toBe(adminLog.ticketChanges.edges.length - 1);

    // The webhook: the reply arrives, after which the note (ordered before it) can no longer come.
    await hook.waitFor(
      (requests) => requests.some((r) => r.json?.message?.id === answer.id),
      'the reply delivered to the webhook',
    );
    expect(hook.requests.every((r) => r.verified)).toBe(true);
    expect(
      hook.requests.some((r) => r.json?.message?.id === written.id || r.rawBody.includes(written.id)),
    ).toBe(false);
    const { rows } = await db.query(
      `select count(*)::int as n from webhook_deliveries d join ticket_events e on e.id = d.event_id
        where e.message_id = $1`,
      [written.id],
    );
    expect(rows[0].n).toBe(0);
  });
});
