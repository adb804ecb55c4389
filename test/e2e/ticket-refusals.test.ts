import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  ReassignTicketDocument,
  ReceiveMessageDocument,
  SendMessageDocument,
  TicketChangedDocument,
  TicketDocument,
  TicketsDocument,
  UpdateTicketStatusDocument,
} from '../generated/operations';
import { errorCodes } from '../support/graphql-client';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, subscribeLive } from '../support/ws-client';

let t: TestApp;
let channel: { id: string; token: string };
let otherChannel: { id: string; token: string };
let owner: { id: string; token: string };
let stranger: { id: string; token: string };
let fresh: string; // NEW
let open: string; // OPEN, assigned to owner
let closed: string; // CLOSED (live chat solved)
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  t = await startTestApp();
  channel = await createChannel(t, 'SOCIAL_MESSAGING');
  otherChannel = await createChannel(t, 'SOCIAL_MESSAGING');
  owner = await createAgent(t);
  stranger = await createAgent(t);
  fresh = (await receive(t, channel, 'refusal-new', 'new')).ticket.id;
  open = (await receive(t, channel, 'refusal-open', 'open')).ticket.id;
  await assign(t, open, owner.id);
  const live = await createChannel(t, 'LIVE_CHAT');
  closed = (await receive(t, live, 'refusal-closed', 'closed')).ticket.id;
  await assign(t, closed, owner.id);
  await t.client.ok(UpdateTicketStatusDocument, { ticketId: closed, status: 'SOLVED' }, owner.token);
});
afterAll(() => t.close());

/** Expects exactly `code`, an untouched database, and nothing published to a live subscriber. */
async function expectRefused<TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<unknown, TVariables>,
  variables: TVariables,
  token: () => string,
  code: string,
): Promise<void> {
  const ws = connectWs(t.wsUrl, `Bearer ${t.adminToken}`);
  await ws.acknowledged;
  const live = await subscribeLive(t.app.services.events, ws.client, TicketChangedDocument, {});
  try {
    const snapshot = await t.snapshot();
    const res = await t.client.execute(document, variables, token());
    expect(errorCodes(res)).toEqual([code]);
    expect(await t.snapshot()).toEqual(snapshot);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(live.events).toEqual([]);
  } finally {
    live.stop();
    await ws.dispose();
  }
}

const admin = () => t.adminToken;

describe('illegal transitions change nothing and publish nothing', () => {
  it.each([
    ['NEW → SOLVED by an admin', () => fresh, 'SOLVED', admin],
    ['NEW → PENDING', () => fresh, 'PENDING', admin],
    ['OPEN → OPEN', () => open, 'OPEN', () => owner.token],
    ['OPEN → NEW', () => open, 'NEW', () => owner.token],
    ['OPEN → CLOSED (the system only)', () => open, 'CLOSED', () => owner.token],
    ['anything on CLOSED', () => closed, 'OPEN', admin],
  ] as const)('%s → ILLEGAL_TRANSITION', (_case, ticket, status, token) =>
    expectRefused(UpdateTicketStatusDocument, { ticketId: ticket(), status }, token, 'ILLEGAL_TRANSITION'),
  );

  it('refuses a message on a CLOSED ticket', () =>
    expectRefused(SendMessageDocument, { ticketId: closed, body: 'too late' }, admin, 'ILLEGAL_TRANSITION'));

  it('refuses reassigning a CLOSED ticket', () =>
    expectRefused(
      ReassignTicketDocument,
      { ticketId: closed, agentId: stranger.id },
      admin,
      'ILLEGAL_TRANSITION',
    ));
});

describe('bad input and the wrong caller', () => {
  it.each([
    ['an empty body', ''],
    ['a blank body', ' \n\t '],
    ['a 10,001-character body', 'x'.repeat(10_001)],
  ])('sendMessage refuses %s', (_case, body) =>
    expectRefused(SendMessageDocument, { ticketId: open, body }, () => owner.token, 'BAD_USER_INPUT'),
  );

  it.each([
    ['an empty body', { body: '' }],
    ['a 10,001-character body', { body: 'y'.repeat(10_001) }],
    ['an empty externalUserId', { externalUserId: ' ' }],
    ['a bad skill', { requiredSkills: ['no spaces'] }],
  ])('receiveMessage refuses %s', (_case, patch) =>
    expectRefused(
      ReceiveMessageDocument,
      { input: { channelId: channel.id, externalUserId: 'bad-input', body: 'ok', ...patch } },
      () => channel.token,
      'BAD_USER_INPUT',
    ),
  );

  it('accepts a 10,000-character body', async () => {
    const res = await receive(t, channel, 'long-writer', 'z'.repeat(10_000));
    expect(res.message.body).toHaveLength(10_000);
  });

  it('an integration posting to another channel → FORBIDDEN', () =>
    expectRefused(
      ReceiveMessageDocument,
      { input: { channelId: otherChannel.id, externalUserId: 'x', body: 'hi' } },
      () => channel.token,
      'FORBIDDEN',
    ));

  it.each([UNKNOWN, 'garbage'])('an unknown channel %p → NOT_FOUND', (channelId) =>
    expectRefused(
      ReceiveMessageDocument,
      { input: { channelId, externalUserId: 'x', body: 'hi' } },
      admin,
      'NOT_FOUND',
    ),
  );

  it.each([UNKNOWN, 'garbage'])('an unknown ticket %p → NOT_FOUND', async (ticketId) => {
    await expectRefused(SendMessageDocument, { ticketId, body: 'hi' }, admin, 'NOT_FOUND');
    await expectRefused(UpdateTicketStatusDocument, { ticketId, status: 'OPEN' }, admin, 'NOT_FOUND');
    await expectRefused(ReassignTicketDocument, { ticketId, agentId: owner.id }, admin, 'NOT_FOUND');
    await expectRefused(TicketDocument, { id: ticketId }, admin, 'NOT_FOUND');
  });

  it('reassigning to an unknown agent → NOT_FOUND', () =>
    expectRefused(ReassignTicketDocument, { ticketId: open, agentId: UNKNOWN }, admin, 'NOT_FOUND'));

  it('an agent acting on a ticket not assigned to it → FORBIDDEN', async () => {
    await expectRefused(
      SendMessageDocument,
      { ticketId: open, body: 'hijack' },
      () => stranger.token,
      'FORBIDDEN',
    );
    await expectRefused(
      UpdateTicketStatusDocument,
      { ticketId: open, status: 'SOLVED' },
      () => stranger.token,
      'FORBIDDEN',
    );
  });

  it('only admins reassign; only integrations and admins receive; integrations do not reply', async () => {
    await expectRefused(
      ReassignTicketDocument,
      { ticketId: open, agentId: owner.id },
      () => owner.token,
      'FORBIDDEN',
    );
    await expectRefused(
      ReceiveMessageDocument,
      { input: { channelId: channel.id, externalUserId: 'x', body: 'hi' } },
      () => owner.token,
      'FORBIDDEN',
    );
    await expectRefused(
      SendMessageDocument,
      { ticketId: open, body: 'hi' },
      () => channel.token,
      'FORBIDDEN',
    );
  });

  it("an integration cannot read another channel's ticket", () =>
    expectRefused(TicketDocument, { id: open }, () => otherChannel.token, 'NOT_FOUND'));

  it.each([101, -1])('tickets(first: %p) → BAD_USER_INPUT', (first) =>
    expectRefused(TicketsDocument, { first }, admin, 'BAD_USER_INPUT'),
  );

  it('tickets(after: garbage) → BAD_USER_INPUT', () =>
    expectRefused(TicketsDocument, { after: 'not-a-cursor' }, admin, 'BAD_USER_INPUT'));
});
