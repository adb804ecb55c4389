import pg from 'pg';
import {
  MessageAddedDocument,
  MessageReceiptsDocument,
  ReceiptChangeLogDocument,
  ReceiptChangesDocument,
  ReceiveMessageDocument,
  SendMessageDocument,
  UpdateMessageDeliveryDocument,
  UpdateTicketStatusDocument,
  type MessageDeliveryStatus,
  type UpdateMessageDeliveryInput,
  type UpdateMessageDeliveryMutation,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { errorCodes, type GraphQLResponse } from '../support/graphql-client';
import { refusalCheck } from '../support/refusals';
import { startTestApp, type TestApp } from '../support/test-app';
import { SocketPool, subscribeLive } from '../support/ws-client';

/**
 * docs/domain.md "Delivery receipts": a partner reports how far an agent's message got
 * (updateMessageDelivery). Statuses only move forward; each move is one MESSAGE_UPDATED change that
 * agent consoles see live and catch-up reads return; anything else changes nothing.
 */
let t: TestApp;
let db: pg.Client;
let channel: { id: string; token: string };
let otherChannel: { id: string; token: string };
let liveChat: { id: string; token: string };
let agent: { id: string; token: string };
const sockets = new SocketPool(() => t.wsUrl);
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

beforeAll(async () => {
  t = await startTestApp({ limits: { rateLimits: { messages: null, mutations: null } } });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
  channel = await createChannel(t, 'SOCIAL_MESSAGING');
  otherChannel = await createChannel(t, 'SOCIAL_MESSAGING');
  liveChat = await createChannel(t, 'LIVE_CHAT');
  // OFFLINE: nothing is routed to it; tickets are given with reassignTicket.
  agent = await createAgent(t, { status: 'OFFLINE' });
});
afterEach(() => sockets.closeAll());
afterAll(async () => {
  await db.end();
  await t.close();
});

/** A ticket of its own end user on `on`, assigned to the agent, with the agent's reply. */
async function conversation(on = channel) {
  const received = await receive(t, on, unique('customer'), 'Where is my order?');
  await assign(t, received.ticket.id, agent.id);
  const { sendMessage } = await t.client.ok(
    SendMessageDocument,
    { ticketId: received.ticket.id, body: 'On its way!' },
    agent.token,
  );
  return {
    ticketId: received.ticket.id,
    requesterId: received.ticket.requester.id,
    endUserMessageId: received.message.id,
    messageId: sendMessage.id,
  };
}

const report = (input: UpdateMessageDeliveryInput, token: string = channel.token) =>
  t.client.execute(UpdateMessageDeliveryDocument, { input }, token);

function updated(res: GraphQLResponse<UpdateMessageDeliveryMutation>) {
  expect(res.errors).toBeUndefined();
  return res.data!.updateMessageDelivery;
}

const count = async (sql: string, params: unknown[]) =>
  Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
const receiptChanges = (messageId: string) =>
  count(`select count(*)::text as n from ticket_events where message_id = $1 and kind = 'MESSAGE_UPDATED'`, [
    messageId,
  ]);

/** Every change of one end user's tickets, as `token` may see them, oldest first. */
async function changeLog(requesterId: string, token = t.adminToken) {
  const { ticketChanges } = await t.client.ok(
    ReceiptChangeLogDocument,
    { filter: { requesterId }, first: 1_000 },
    token,
  );
  return ticketChanges.edges.map((e) => e.node);
}

/** Refused with `code` (and the field, if given), and nothing changed anywhere. */
const expectRefused = refusalCheck(() => t);

describe('statuses only move forward (docs/domain.md "Delivery receipts")', () => {
  it('SENT → DELIVERED → READ: each one MESSAGE_UPDATED, seen live by the agent console and in ticketChanges', async () => {
    const c = await conversation();
    const ws = await sockets.connect(agent.token);
    const live = await subscribeLive(t.app.services.events, ws.client, ReceiptChangesDocument, {
      filter: { assigneeId: agent.id },
    });
    // A thread view: receipts add no message, so it hears nothing of them.
    const thread = await subscribeLive(t.app.services.events, ws.client, MessageAddedDocument, {
      ticketId: c.ticketId,
    });
    // The ticket's row, its metrics and updatedAt included.
    const ticketRow = async () =>
      (await db.query('select to_jsonb(t) as row from tickets t where t.id = $1', [c.ticketId])).rows[0]!.row;
    const ticketBefore = await ticketRow();

    const sentAt = t.clock.advance(5).toISOString();
    expect(updated(await report({ messageId: c.messageId, status: 'SENT' }))).toMatchObject({
      id: c.messageId,
      authorType: 'AGENT',
      deliveryStatus: 'SENT',
      deliveredAt: null,
      readAt: null,
      deliveryError: null,
    });
    const [first] = await live.waitFor(1);
    expect(first!.ticketChanged).toMatchObject({
      kind: 'MESSAGE_UPDATED',
      ticket: { id: c.ticketId, status: 'OPEN' },
      message: { id: c.messageId, deliveryStatus: 'SENT' },
    });

    const deliveredAt = t.clock.advance(30).toISOString();
    expect(updated(await report({ messageId: c.messageId, status: 'DELIVERED' }))).toMatchObject({
      deliveryStatus: 'DELIVERED',
      deliveredAt,
      readAt: null,
    });
    expect((await live.waitFor(2))[1]!.ticketChanged).toMatchObject({
      kind: 'MESSAGE_UPDATED',
      message: { id: c.messageId, deliveryStatus: 'DELIVERED', deliveredAt },
    });

    const readAt = t.clock.advance(60).toISOString();
    const read = updated(await report({ messageId: c.messageId, status: 'READ' }));
    expect(read).toMatchObject({ deliveryStatus: 'READ', deliveredAt, readAt });
    expect((await live.waitFor(3))[2]!.ticketChanged).toMatchObject({
      kind: 'MESSAGE_UPDATED',
      message: { id: c.messageId, deliveryStatus: 'READ', deliveredAt, readAt },
    });
    expect(sentAt < deliveredAt).toBe(true);

    // Late receipts: answered with the message as it is, and nothing at all changes.
    await t.app.services.events.settle();
    const settled = await t.snapshot();
    t.clock.advance(10);
    for (const late of [
      { status: 'DELIVERED' as const },
      { status: 'SENT' as const },
      { status: 'READ' as const },
      { status: 'FAILED' as const, error: 'too late' },
    ]) {
      expect(updated(await report({ messageId: c.messageId, ...late }))).toEqual(read);
    }
    expect(await t.snapshot()).toEqual(settled);

    // The log: the three moves, in order, after the reply they are about; no change for the late ones.
    const log = await changeLog(c.requesterId);
    expect(log.filter((change) => change.message?.id === c.messageId).map((change) => change.kind)).toEqual([
      'MESSAGE_ADDED',
      'MESSAGE_UPDATED',
      'MESSAGE_UPDATED',
      'MESSAGE_UPDATED',
    ]);
    expect(log.filter((change) => change.kind === 'MESSAGE_UPDATED').map((change) => change.cursor)).toEqual(
      live.events.map((e) => e.ticketChanged.cursor),
    );
    const ticketRowAfterReceipts = await ticketRow();
    // The next frame the console gets is the next change, not one of the late receipts.
    const { sendMessage: next } = await t.client.ok(
      SendMessageDocument,
      { ticketId: c.ticketId, body: 'Anything else?' },
      agent.token,
    );
    expect((await live.waitFor(4))[3]!.ticketChanged.kind).toBe('MESSAGE_ADDED');
    expect((await thread.waitFor(1)).map((e) => e.messageAdded.id)).toEqual([next.id]);
    expect([...live.errors, ...thread.errors]).toEqual([]);

    // A receipt changes the message, not the ticket: no reply for the metrics, no updatedAt.
    expect(ticketRowAfterReceipts).toEqual(ticketBefore);
    const { node } = await t.client.ok(MessageReceiptsDocument, { id: c.messageId }, channel.token);
    expect(node).toEqual(read);
  });

  it('READ as the first receipt stamps deliveredAt too (read implies delivered)', async () => {
    const c = await conversation();
    const at = t.clock.advance(1).toISOString();
    expect(updated(await report({ messageId: c.messageId, status: 'READ' }))).toMatchObject({
      deliveryStatus: 'READ',
      deliveredAt: at,
      readAt: at,
    });
    expect(await receiptChanges(c.messageId)).toBe(1);
  });

  it('FAILED keeps its error, trimmed, and is final', async () => {
    const c = await conversation();
    updated(await report({ messageId: c.messageId, status: 'SENT' }));
    const failed = updated(
      await report({ messageId: c.messageId, status: 'FAILED', error: '  131026: message undeliverable \n' }),
    );
    expect(failed).toMatchObject({
      deliveryStatus: 'FAILED',
      deliveryError: '131026: message undeliverable',
      deliveredAt: null,
    });
    for (const after of [
      { status: 'DELIVERED' as const },
      { status: 'READ' as const },
      { status: 'FAILED' as const, error: 'another reason' },
    ]) {
      expect(updated(await report({ messageId: c.messageId, ...after }))).toEqual(failed);
    }
    expect(await receiptChanges(c.messageId)).toBe(2);
  });

  it('FAILED after DELIVERED changes nothing: only a message not yet delivered can fail', async () => {
    const c = await conversation();
    const delivered = updated(await report({ messageId: c.messageId, status: 'DELIVERED' }));
    await t.app.services.events.settle();
    const before = await t.snapshot();
    expect(updated(await report({ messageId: c.messageId, status: 'FAILED', error: 'expired' }))).toEqual(
      delivered,
    );
    expect(await t.snapshot()).toEqual(before);
  });

  it('a receipt on a CLOSED ticket is still recorded (the customer may read after it closed)', async () => {
    // Live chat: solving closes the ticket at once.
    const c = await conversation(liveChat);
    const { updateTicketStatus } = await t.client.ok(
      UpdateTicketStatusDocument,
      { ticketId: c.ticketId, status: 'SOLVED' },
      agent.token,
    );
    expect(updateTicketStatus.status).toBe('CLOSED');
    const sendMessage = { id: c.messageId };
    expect(
      updated(await report({ messageId: sendMessage.id, status: 'READ' }, liveChat.token)),
    ).toMatchObject({
      deliveryStatus: 'READ',
    });
    expect(await receiptChanges(sendMessage.id)).toBe(1);
  });

  it.each<[string, Omit<UpdateMessageDeliveryInput, 'messageId'>, string]>([
    ['FAILED without an error', { status: 'FAILED' }, 'input.error'],
    ['FAILED with a blank error', { status: 'FAILED', error: ' \n ' }, 'input.error'],
    ['FAILED with 1,001 characters of error', { status: 'FAILED', error: 'x'.repeat(1_001) }, 'input.error'],
    ['an error with SENT', { status: 'SENT', error: 'why?' }, 'input.error'],
    ['an error with READ', { status: 'READ', error: '' }, 'input.error'],
    ['an empty externalMessageId', { status: 'SENT', externalMessageId: '  ' }, 'input.externalMessageId'],
    [
      'an externalMessageId of 256 characters',
      { status: 'SENT', externalMessageId: 'w'.repeat(256) },
      'input.externalMessageId',
    ],
  ])('refuses %s with BAD_USER_INPUT naming the field, changing nothing', async (_label, input, field) => {
    const c = await conversation();
    await expectRefused(() => report({ messageId: c.messageId, ...input }), 'BAD_USER_INPUT', field);
  });
});

describe("externalMessageId: the partner's id for the message, attached once, unique per channel", () => {
  it('attaches with a receipt; the same id again is fine; another is refused', async () => {
    const c = await conversation();
    expect(
      updated(await report({ messageId: c.messageId, status: 'SENT', externalMessageId: '  wamid.A1 ' })),
    ).toMatchObject({ externalId: 'wamid.A1', deliveryStatus: 'SENT' });
    expect(
      updated(await report({ messageId: c.messageId, status: 'DELIVERED', externalMessageId: 'wamid.A1' })),
    ).toMatchObject({ externalId: 'wamid.A1', deliveryStatus: 'DELIVERED' });
    await expectRefused(
      () => report({ messageId: c.messageId, status: 'READ', externalMessageId: 'wamid.A2' }),
      'BAD_USER_INPUT',
      'input.externalMessageId',
    );
    // The same id again with a late status: nothing to change, no change recorded.
    await t.app.services.events.settle();
    const before = await t.snapshot();
    updated(await report({ messageId: c.messageId, status: 'SENT', externalMessageId: 'wamid.A1' }));
    expect(await t.snapshot()).toEqual(before);
    expect(await receiptChanges(c.messageId)).toBe(2);
  });

  it('a late receipt that attaches a new id is one change (the message changed)', async () => {
    const c = await conversation();
    updated(await report({ messageId: c.messageId, status: 'READ' }));
    expect(
      updated(await report({ messageId: c.messageId, status: 'DELIVERED', externalMessageId: 'wamid.B1' })),
    ).toMatchObject({ deliveryStatus: 'READ', externalId: 'wamid.B1' });
    expect(await receiptChanges(c.messageId)).toBe(2);
  });

  it("refuses an id another message of the channel has (an end user's, or another reply's)", async () => {
    const a = await conversation();
    const b = await conversation();
    await receive(t, channel, unique('customer'), 'with an id', { externalMessageId: 'wamid.C1' });
    updated(await report({ messageId: b.messageId, status: 'SENT', externalMessageId: 'wamid.C2' }));
    for (const taken of ['wamid.C1', 'wamid.C2']) {
      await expectRefused(
        () => report({ messageId: a.messageId, status: 'SENT', externalMessageId: taken }),
        'BAD_USER_INPUT',
        'input.externalMessageId',
      );
    }
    // Unique per channel: another channel's message may have the same id.
    const elsewhere = await conversation(otherChannel);
    expect(
      updated(
        await report(
          { messageId: elsewhere.messageId, status: 'SENT', externalMessageId: 'wamid.C2' },
          otherChannel.token,
        ),
      ),
    ).toMatchObject({ externalId: 'wamid.C2' });
  });

  it("receiveMessage with an agent message's id is refused, not answered as a duplicate of the reply", async () => {
    const c = await conversation();
    updated(await report({ messageId: c.messageId, status: 'SENT', externalMessageId: 'wamid.D1' }));
    const { rows } = await db.query<{ external_id: string }>(
      'select u.external_id from tickets t join end_users u on u.id = t.requester_id where t.id = $1',
      [c.ticketId],
    );
    await expectRefused(
      () =>
        t.client.execute(
          ReceiveMessageDocument,
          {
            input: {
              channelId: channel.id,
              externalUserId: rows[0]!.external_id,
              body: 'a message the partner gave a reply’s id',
              externalMessageId: 'wamid.D1',
            },
          },
          channel.token,
        ),
      'BAD_USER_INPUT',
      'input.externalMessageId',
    );
  });

  it('the same id attached to two messages at once: one gets it, the others are refused', async () => {
    const messages = [await conversation(), await conversation(), await conversation()];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        report({ messageId: messages[i % 3]!.messageId, status: 'SENT', externalMessageId: 'wamid.E1' }),
      ),
    );
    const codes = results.flatMap(errorCodes);
    expect(new Set(codes)).toEqual(new Set(['BAD_USER_INPUT']));
    const winners = results.filter((r) => !r.errors).map((r) => r.data!.updateMessageDelivery.id);
    // Every winner is one message (its repeats are fine), and only it has the id.
    expect(new Set(winners).size).toBe(1);
    expect(codes.length + winners.length).toBe(12);
    expect(await count(`select count(*)::text as n from messages where external_id = 'wamid.E1'`, [])).toBe(
      1,
    );
  });
});

describe('who may report receipts (docs/domain.md "Who may do what")', () => {
  it("the channel's integration and an admin; another channel's integration gets NOT_FOUND", async () => {
    const c = await conversation();
    await expectRefused(
      () => report({ messageId: c.messageId, status: 'SENT' }, otherChannel.token),
      'NOT_FOUND',
    );
    updated(await report({ messageId: c.messageId, status: 'SENT' }, channel.token));
    updated(await report({ messageId: c.messageId, status: 'DELIVERED' }, t.adminToken));
    // The change is the channel's: its integration reads it, the other one does not.
    const log = await changeLog(c.requesterId, channel.token);
    expect(log.filter((change) => change.kind === 'MESSAGE_UPDATED')).toHaveLength(2);
    expect(await changeLog(c.requesterId, otherChannel.token)).toEqual([]);
  });

  it('agents are FORBIDDEN, even the assignee who wrote it; no token is UNAUTHENTICATED', async () => {
    const c = await conversation();
    await expectRefused(() => report({ messageId: c.messageId, status: 'SENT' }, agent.token), 'FORBIDDEN');
    await expectRefused(
      () =>
        t.client.execute(UpdateMessageDeliveryDocument, {
          input: { messageId: c.messageId, status: 'SENT' },
        }),
      'UNAUTHENTICATED',
    );
  });

  it("an end user's message is refused with BAD_USER_INPUT naming input.messageId, for integrations and admins", async () => {
    const c = await conversation();
    for (const token of [channel.token, t.adminToken]) {
      await expectRefused(
        () => report({ messageId: c.endUserMessageId, status: 'DELIVERED' }, token),
        'BAD_USER_INPUT',
        'input.messageId',
      );
    }
  });

  it.each([
    ['an unknown id', '7f1c2e4a-0000-4000-8000-00000000f022'],
    ['a malformed id', 'not-a-message'],
  ])('%s is NOT_FOUND', async (_label, messageId) => {
    await expectRefused(() => report({ messageId, status: 'SENT' }), 'NOT_FOUND');
  });
});

describe('concurrent receipts for one message stay forward-only (the ticket row lock)', () => {
  const statuses: MessageDeliveryStatus[] = ['SENT', 'DELIVERED', 'READ'];

  it('20 at once, mixed: the message ends READ, with one change per move forward', async () => {
    const c = await conversation();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        report(
          { messageId: c.messageId, status: statuses[(i * 7) % 3]! },
          i % 2 ? channel.token : t.adminToken,
        ),
      ),
    );
    const answers = results.map(updated);
    // Every answer is the message after its own receipt: a mover's is the status it set, any other's
    // the status some mover had set; each status is set once at most, so the distinct answers are
    // the moves.
    const moves = new Set(answers.map((m) => m.deliveryStatus));
    expect(await receiptChanges(c.messageId)).toBe(moves.size);
    const { node } = await t.client.ok(MessageReceiptsDocument, { id: c.messageId }, t.adminToken);
    expect(node).toMatchObject({ deliveryStatus: 'READ' });
    expect((node as { deliveredAt: string | null }).deliveredAt).not.toBeNull();
  });

  it('20 at once with FAILED among them: FAILED wins only before any DELIVERED or READ', async () => {
    const c = await conversation();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const status = (['FAILED', 'SENT', 'DELIVERED', 'READ'] as const)[i % 4]!;
        return report({
          messageId: c.messageId,
          status,
          ...(status === 'FAILED' ? { error: `attempt ${i}` } : {}),
        });
      }),
    );
    const moves = new Set(results.map(updated).map((m) => m.deliveryStatus));
    expect(await receiptChanges(c.messageId)).toBe(moves.size);
    const { node } = await t.client.ok(MessageReceiptsDocument, { id: c.messageId }, t.adminToken);
    const final = (node as { deliveryStatus: MessageDeliveryStatus }).deliveryStatus;
    expect(['FAILED', 'READ']).toContain(final);
    // Never both a failure and a delivery.
    expect(moves.has('FAILED') && (moves.has('DELIVERED') || moves.has('READ'))).toBe(false);
  });
});
