import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST, isObjectType, Kind, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { getSchema } from '../../src/graphql/schema';
import {
  AcceptTicketDocument,
  AgentChangedDocument,
  AgentDocument,
  AgentsDocument,
  AgentTokensDocument,
  AssignmentsAfterDocument,
  AssignmentsDocument,
  ChannelsDocument,
  ConversationStylesDocument,
  CreateAgentDocument,
  CreateChannelDocument,
  CreateConversationStyleDocument,
  CreateSlaPolicyDocument,
  CreateWebhookEndpointDocument,
  DeclineTicketDocument,
  DeleteSlaPolicyDocument,
  DeleteWebhookEndpointDocument,
  MarkReadDocument,
  MeDocument,
  MessageAddedDocument,
  NodeByIdDocument,
  OfferDocument,
  QueueDocument,
  ReadStateDocument,
  QueueStatsDocument,
  ReassignTicketDocument,
  ReceiveMessageDocument,
  ReceiveMessageWithAttachmentsDocument,
  RedeliverWebhookDocument,
  RevokeTokenDocument,
  RotateAgentTokenDocument,
  RotateChannelTokenDocument,
  RotateWebhookSecretDocument,
  RoutingPreviewDocument,
  RoutingSettingsDocument,
  SendMessageDocument,
  SendMessageWithAttachmentsDocument,
  SendNoteDocument,
  SetAgentStatusDocument,
  SetAgentStatusOfDocument,
  SetTypingDocument,
  SlaPoliciesDocument,
  TypingDocument,
  TicketAssigneePrivateDocument,
  TicketAssigneeTokensDocument,
  TicketChangedDocument,
  TicketChangedAfterDocument,
  TicketChangesDocument,
  TicketChannelTokensDocument,
  TicketDocument,
  TicketsDocument,
  TransferTicketDocument,
  TicketStatsDocument,
  UpdateAgentDocument,
  UpdateChannelDocument,
  UpdateConversationStyleDocument,
  UpdateMessageDeliveryDocument,
  UpdateRoutingSettingsDocument,
  UpdateSlaPolicyDocument,
  UpdateTicketDocument,
  UpdateTicketStatusDocument,
  UpdateWebhookEndpointDocument,
  WebhookDeliveriesDocument,
  WebhookEndpointsDocument,
  type TicketChangesQuery,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive, styleId as styleOfKind } from '../support/fixtures';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { upload } from '../support/upload-client';
import { openDatabaseSnapshots, type DatabaseSnapshots } from '../support/test-database';
import {
  connectWs,
  SocketPool,
  subscribeLive,
  subscribeWs,
  type LiveSubscription,
} from '../support/ws-client';

/**
 * docs/domain.md "Who may do what", as a table: every query, mutation and subscription of the schema
 * (and every field only admins may read) × every kind of caller. Refused calls must change nothing.
 */
type Caller =
  'none' | 'wrong' | 'revoked' | 'agent' | 'otherAgent' | 'integration' | 'otherIntegration' | 'admin';

/**
 * Each operation is tried by every caller in this order: the refused ones first, so each meets the
 * state the allowed callers then act on. The other agent tries the very change the assignee then
 * makes (and the very offer the assignee then takes); the revoked token is the assignee's own.
 */
const CALLERS: readonly Caller[] = [
  'none', //             no Authorization
  'wrong', //            a token never issued
  'revoked', //          the assigned agent's first token, revoked with revokeToken
  'otherAgent', //       an agent the fixture tickets are neither assigned nor offered to
  'otherIntegration', // another channel's integration
  'integration', //      the fixture ticket's channel
  'agent', //            the agent the fixture ticket is assigned (and two tickets offered) to
  'admin',
];
const SIGNED_OUT: ReadonlySet<Caller> = new Set<Caller>(['none', 'wrong', 'revoked']);

let t: TestApp;
let db: DatabaseSnapshots;
const sockets = new SocketPool(() => t.wsUrl);
const tokens: Partial<Record<Caller, string>> = { wrong: 'prl_agent_this-token-was-never-issued' };
/** Filled by beforeAll; read lazily by the cases. */
const f = {
  agentId: '',
  otherAgentId: '',
  /** An agent only the token cases touch. */
  spareAgentId: '',
  spareAgentTokenId: '',
  channelId: '',
  /** Requires a skill no agent has, so its tickets are never routed (and never change the fixture's). */
  otherChannelId: '',
  spareChannelId: '',
  styleId: '',
  /** On `channelId`, assigned to `agentId`. */
  ticketId: '',
  /** The fixture ticket's first message, and its end user. */
  messageId: '',
  /** An internal note on the fixture ticket, by its assignee. */
  noteId: '',
  endUserId: '',
  /** On `channelId`, offered to `agentId`. */
  toAcceptId: '',
  toDeclineId: '',
  /** On `otherChannelId` (never routed), assigned to `agentId`, for transferTicket. */
  toTransferId: '',
  /** An SLA policy of the spare channel only (no fixture ticket is measured by it). */
  slaPolicyId: '',
  /** The cursor of the first change in the log (the fixture ticket's CREATED): subscriptions replay from it. */
  firstCursor: '',
  /**
   * A webhook endpoint of `channelId` (disabled until the webhook cases, at the end: the delivery
   * engine moves an enabled endpoint's position after every change), and a delivery in its log.
   */
  webhookId: '',
  webhookDeliveryId: '',
};
/**
 * Uploads (POST /uploads) each signed-in caller made, for the attachmentIds cases: one to send with,
 * one to receive with (an upload attaches once, and only to its own caller's message).
 */
const uploads: Record<'send' | 'receive', Partial<Record<Caller, string>>> = { send: {}, receive: {} };
const uploadOf = (use: 'send' | 'receive', caller: Caller) => uploads[use][caller] ?? uploads[use].agent!;
/** The endpoints the createWebhookEndpoint case made, by caller: deleteWebhookEndpoint deletes them. */
const createdWebhooks: Partial<Record<Caller, string>> = {};
let seq = 0;
const unique = () => ++seq;
/** The assignee's message with clientMessageId 'matrix-reply'. */
let matrixReplyId = '';

beforeAll(async () => {
  t = await startTestApp({
    limits: { rateLimits: { messages: null, mutations: null } },
    // Due jobs run within 100 ms (settle() waits for them); no sweep but the one at start.
    scheduler: { processEveryMs: 100, sweepEveryMs: 3_600_000 },
  });
  db = await openDatabaseSnapshots(t.db.url);
  tokens.admin = t.adminToken;
  const admin = t.adminToken;

  // No offer made during the run may expire during it: an expiry job falling due between a refused
  // case's two snapshots would change agenda_jobs by itself.
  await t.client.ok(UpdateRoutingSettingsDocument, { input: { offerTimeoutSeconds: 3_600 } }, t.adminToken);

  // OFFLINE for now: nothing is routed to anyone until the offers below.
  const agent = await createAgent(t, { name: 'Assignee', capacity: 5, status: 'OFFLINE' });
  const other = await createAgent(t, { name: 'Bystander', status: 'OFFLINE' });
  const spare = await createAgent(t, { name: 'Spare', status: 'OFFLINE' });
  Object.assign(f, { agentId: agent.id, otherAgentId: other.id, spareAgentId: spare.id });
  tokens.otherAgent = other.token;
  f.spareAgentTokenId = (
    await t.client.ok(AgentTokensDocument, { id: spare.id }, admin)
  ).agent!.tokens[0]!.id;

  // The assignee signs in with a second token; its first one is revoked.
  const [first] = (await t.client.ok(AgentTokensDocument, { id: agent.id }, admin)).agent!.tokens;
  const rotated = await t.client.ok(
    RotateAgentTokenDocument,
    { agentId: agent.id, revokeExisting: false },
    admin,
  );
  await t.client.ok(RevokeTokenDocument, { id: first!.id }, admin);
  tokens.agent = rotated.rotateAgentToken.token;
  tokens.revoked = agent.token;

  const channel = await createChannel(t, 'SOCIAL_MESSAGING');
  const otherChannel = await createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: ['matrix-nobody'] });
  const spareChannel = await createChannel(t, 'LIVE_CHAT');
  tokens.integration = channel.token;
  tokens.otherIntegration = otherChannel.token;
  Object.assign(f, {
    channelId: channel.id,
    otherChannelId: otherChannel.id,
    spareChannelId: spareChannel.id,
    styleId: await styleOfKind(t, 'LIVE_CHAT'),
  });

  const fixture = await receive(t, channel, 'matrix-customer', 'hello');
  Object.assign(f, {
    ticketId: fixture.ticket.id,
    messageId: fixture.message.id,
    endUserId: fixture.ticket.requester.id,
  });
  await assign(t, f.ticketId, agent.id);
  f.noteId = (
    await t.client.ok(
      SendNoteDocument,
      { ticketId: f.ticketId, body: 'matrix note', internal: true },
      tokens.agent,
    )
  ).sendMessage.id;
  // Online with room: routing offers the next two tickets to the assignee (the others are offline).
  await t.client.ok(SetAgentStatusDocument, { status: 'ONLINE' }, tokens.agent);
  f.toAcceptId = (await receive(t, channel, 'matrix-accept', 'take me')).ticket.id;
  f.toDeclineId = (await receive(t, channel, 'matrix-decline', 'or me')).ticket.id;
  for (const id of [f.toAcceptId, f.toDeclineId]) {
    const { ticket } = await t.client.ok(OfferDocument, { id }, admin);
    expect(ticket?.offeredTo?.id).toBe(agent.id);
  }
  for (const caller of ['agent', 'otherAgent', 'integration', 'otherIntegration', 'admin'] as const) {
    for (const use of ['send', 'receive'] as const) {
      uploads[use][caller] = (await upload(t, tokens[caller]!, { name: `${caller}-${use}.txt` })).id;
    }
  }
  f.slaPolicyId = (
    await t.client.ok(
      CreateSlaPolicyDocument,
      { input: { name: 'Matrix SLA', channelIds: [spareChannel.id], firstReplySeconds: 86_400 } },
      admin,
    )
  ).createSlaPolicy.id;
  f.toTransferId = (await receive(t, otherChannel, 'matrix-transfer', 'pass me on')).ticket.id;
  await assign(t, f.toTransferId, agent.id);
  const { ticketChanges } = await t.client.ok(TicketChangesDocument, { first: 1 }, admin);
  expect(ticketChanges.edges[0]!.node).toMatchObject({ kind: 'CREATED', ticket: { id: f.ticketId } });
  f.firstCursor = ticketChanges.edges[0]!.cursor;

  const { createWebhookEndpoint } = await t.client.ok(
    CreateWebhookEndpointDocument,
    { input: { url: 'http://127.0.0.1:9/matrix', channelId: f.channelId, kinds: ['OFFER_EXPIRED'] } },
    admin,
  );
  f.webhookId = createWebhookEndpoint.endpoint.id;
  await t.client.ok(UpdateWebhookEndpointDocument, { id: f.webhookId, input: { enabled: false } }, admin);
  // As the engine would have left it: the fixture ticket's first change, given up.
  const [delivery] = await db.query<{ id: string }>(
    `insert into webhook_deliveries (id, endpoint_id, event_id, ticket_id, stream_xid, status, attempts,
       last_attempt_at, response_status, last_error, created_at)
     select gen_random_uuid(), '${f.webhookId}', e.id, e.ticket_id, e.stream_xid, 'GAVE_UP', 15, now(), 500,
            'HTTP 500', now()
       from ticket_events e where e.ticket_id = '${f.ticketId}' order by e.id limit 1
     returning id::text`,
  );
  f.webhookDeliveryId = delivery!.id;
  await settle();
});
afterEach(async () => {
  await sockets.closeAll();
  // The next case's subscribeLive counts from here: every subscription of this one must be gone.
  const deadline = performance.now() + 5000;
  while (t.app.services.events.subscriberCount() > 0) {
    if (performance.now() > deadline) throw new Error('subscriptions outlived their sockets');
    await sleep(10);
  }
});
afterAll(async () => {
  await db.close();
  await t.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until nothing more changes by itself, so that no refused case's "before" is overtaken by
 * the case before it: events delivered, and every job that fell due run and removed.
 */
async function settle(): Promise<void> {
  await t.app.services.events.settle();
  const deadline = performance.now() + 10_000;
  let last = '';
  for (;;) {
    const [pending] = await db.query<{ n: number }>(
      'select count(*)::int as n from agenda_jobs where locked_at is not null or next_run_at <= now()',
    );
    const current = JSON.stringify(await db.snapshot());
    if (pending?.n === 0 && current === last) return;
    if (performance.now() > deadline) throw new Error(`still changing (${pending?.n} jobs due)`);
    last = current;
    await sleep(25);
  }
}

// --------------------------------------------------------------------------------------------------
// Queries and mutations, over HTTP

interface HttpCase<TData, TVariables> {
  /** The root field the document selects, or Type.field for a field only admins may read. */
  field: string;
  document: TypedDocumentNode<TData, TVariables>;
  variables: (caller: Caller) => TVariables;
  /** Signed-in callers who get data; the others get FORBIDDEN unless `refusedByState` says otherwise. */
  allowed: readonly Caller[];
  /** Callers who pass the role check but are refused by the ticket's state or owner, with that code. */
  refusedByState?: Partial<Record<Caller, string>>;
  /** For an allowed caller: what it must (and must not) see. */
  check?: (data: TData, caller: Caller) => void;
  /** For an allowed caller of a mutation: waits for what it sets off by itself, before settle(). */
  after?: () => Promise<void>;
  /** Other restricted fields the document exercises the same way as `field`. */
  covers?: readonly string[];
}
type AnyHttpCase = HttpCase<unknown, Record<string, unknown>>;
/** Typed by its document first, so each case's variables and checks are checked against it. */
const http =
  <TData, TVariables extends Record<string, unknown>>(document: TypedDocumentNode<TData, TVariables>) =>
  (c: Omit<HttpCase<TData, TVariables>, 'document'>) =>
    ({ ...c, document }) as unknown as AnyHttpCase;

const SIGNED_IN: Caller[] = ['agent', 'otherAgent', 'integration', 'otherIntegration', 'admin'];
const PEOPLE: Caller[] = ['agent', 'otherAgent', 'admin'];

const HTTP_CASES: AnyHttpCase[] = [
  // Reads: nothing changes, so the order does not matter.
  http(MeDocument)({
    field: 'me',
    variables: () => ({}),
    allowed: SIGNED_IN,
    check: (d, caller) =>
      expect(d.me?.id ?? null).toBe(
        caller === 'agent' ? f.agentId : caller === 'otherAgent' ? f.otherAgentId : null,
      ),
  }),
  http(AgentDocument)({
    field: 'agent',
    variables: () => ({ id: f.agentId }),
    allowed: PEOPLE,
    check: (d) => expect(d.agent?.id).toBe(f.agentId),
  }),
  http(AgentsDocument)({ field: 'agents', variables: () => ({}), allowed: PEOPLE }),
  http(ChannelsDocument)({
    field: 'channels',
    variables: () => ({}),
    allowed: SIGNED_IN,
    check: (d, caller) => {
      const ids = d.channels.map((c) => c.id);
      if (caller === 'integration') expect(ids).toEqual([f.channelId]);
      else if (caller === 'otherIntegration') expect(ids).toEqual([f.otherChannelId]);
      else expect(ids).toEqual(expect.arrayContaining([f.channelId, f.otherChannelId, f.spareChannelId]));
    },
  }),
  http(ConversationStylesDocument)({
    field: 'conversationStyles',
    variables: () => ({}),
    allowed: SIGNED_IN,
  }),
  http(RoutingSettingsDocument)({
    field: 'routingSettings',
    variables: () => ({}),
    allowed: PEOPLE,
  }),
  http(QueueDocument)({ field: 'queue', variables: () => ({}), allowed: PEOPLE }),
  http(SlaPoliciesDocument)({
    field: 'slaPolicies',
    variables: () => ({}),
    allowed: PEOPLE,
    check: (d) => expect(d.slaPolicies.map((p) => p.id)).toContain(f.slaPolicyId),
  }),
  http(RoutingPreviewDocument)({
    field: 'routingPreview',
    variables: () => ({ ticketId: f.ticketId }),
    allowed: ['admin'],
  }),
  http(TicketStatsDocument)({
    field: 'ticketStats',
    variables: () => ({ input: { from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' } }),
    allowed: ['admin'],
    check: (d) => expect(d.ticketStats).toHaveLength(1),
  }),
  http(TicketDocument)({
    field: 'ticket',
    variables: () => ({ id: f.ticketId }),
    allowed: ['agent', 'otherAgent', 'integration', 'admin'],
    // Another channel's ticket does not exist for an integration.
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    check: (d) => expect(d.ticket?.id).toBe(f.ticketId),
  }),
  http(ReadStateDocument)({
    field: 'ticket (read state)',
    variables: () => ({ id: f.ticketId }),
    allowed: ['agent', 'otherAgent', 'integration', 'admin'],
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    // The calling agent's own; null for callers who have none.
    check: (d, caller) => {
      const agent = caller === 'agent' || caller === 'otherAgent';
      expect(typeof d.ticket?.unreadCount).toBe(agent ? 'number' : 'object');
      expect(d.ticket?.lastReadSequence ?? null).toEqual(agent ? expect.any(Number) : null);
    },
  }),
  http(TicketsDocument)({
    field: 'tickets',
    // Asking for the fixture's channel by name: the other integration still sees none of it.
    variables: () => ({ filter: { channelId: f.channelId } }),
    allowed: SIGNED_IN,
    check: (d, caller) => {
      const nodes = d.tickets.edges.map((e) => e.node);
      if (caller === 'otherIntegration') {
        expect({ nodes, totalCount: d.tickets.totalCount }).toEqual({ nodes: [], totalCount: 0 });
        return;
      }
      expect(nodes.map((n) => n.id)).toEqual(
        expect.arrayContaining([f.ticketId, f.toAcceptId, f.toDeclineId]),
      );
      expect(new Set(nodes.map((n) => n.channel.id))).toEqual(new Set([f.channelId]));
    },
  }),
  http(TicketChangesDocument)({
    field: 'ticketChanges',
    // As for tickets: asking for the fixture's channel by name, the other integration sees none of it.
    variables: () => ({ filter: { channelId: f.channelId }, first: 1_000 }),
    allowed: SIGNED_IN,
    check: (d, caller) => {
      const changes = d.ticketChanges.edges.map((e) => e.node);
      if (caller === 'otherIntegration') {
        expect(d.ticketChanges).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
        return;
      }
      expect(d.ticketChanges.pageInfo.hasNextPage).toBe(false);
      expect(changes.map((c) => [c.kind, c.ticket.id])).toEqual(
        expect.arrayContaining([
          ['CREATED', f.ticketId],
          ['ASSIGNED', f.ticketId],
          ['OFFERED', f.toAcceptId],
          ['OFFERED', f.toDeclineId],
        ]),
      );
      expect(new Set(changes.map((c) => c.ticket.channel.id))).toEqual(new Set([f.channelId]));
    },
  }),
  // node(id) shows what each type's own read shows (null, not an error, for what it does not).
  ...(
    [
      ['ticket', () => f.ticketId, ['otherIntegration']],
      ['message', () => f.messageId, ['otherIntegration']],
      // docs/domain.md "Internal notes": no integration meets one.
      ['internal note', () => f.noteId, ['integration', 'otherIntegration']],
      ['end user', () => f.endUserId, ['otherIntegration']],
      ['channel', () => f.channelId, ['otherIntegration']],
      ['agent', () => f.agentId, ['integration', 'otherIntegration']],
      ['conversation style', () => f.styleId, []],
      ['webhook endpoint', () => f.webhookId, ['agent', 'otherAgent', 'otherIntegration']],
      ['SLA policy', () => f.slaPolicyId, ['integration', 'otherIntegration']],
    ] as const
  ).map(([what, id, hiddenFrom]) =>
    http(NodeByIdDocument)({
      field: `node (${what})`,
      variables: () => ({ id: id() }),
      allowed: SIGNED_IN,
      check: (d, caller) =>
        expect(d.node?.id ?? null).toBe((hiddenFrom as readonly Caller[]).includes(caller) ? null : id()),
    }),
  ),
  http(AgentTokensDocument)({
    field: 'Agent.tokens',
    variables: () => ({ id: f.agentId }),
    // Agents may read the agent, not its tokens; integrations may not read agents at all.
    allowed: ['admin'],
    check: (d) =>
      expect(d.agent!.tokens.map((token) => token.revokedAt === null).sort()).toEqual([false, true]),
  }),
  http(TicketAssigneeTokensDocument)({
    field: 'Agent.tokens (through ticket.assignee)',
    variables: () => ({ id: f.ticketId }),
    // The integration may read its ticket and its assignee, not the assignee's tokens.
    allowed: ['admin'],
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    check: (d) => expect(d.ticket?.assignee?.tokens).toHaveLength(2),
  }),
  http(TicketAssigneePrivateDocument)({
    field: 'Agent.email (through ticket.assignee)',
    covers: ['Agent.skills', 'Agent.capacity', 'Agent.load', 'Agent.lastAssignedAt'],
    variables: () => ({ id: f.ticketId }),
    // An integration may show its end user who answers (id, name, status), not the person's
    // address or workload: one FORBIDDEN per closed field.
    allowed: PEOPLE,
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    check: (d) => expect(d.ticket?.assignee?.id).toBe(f.agentId),
  }),
  http(TicketChannelTokensDocument)({
    field: 'Channel.tokens',
    variables: () => ({ id: f.ticketId }),
    allowed: ['admin'],
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    check: (d) => expect(d.ticket?.channel.tokens).toMatchObject([{ kind: 'INTEGRATION', revokedAt: null }]),
  }),

  // docs/domain.md "Read state": an agent's own marks; nobody else has any.
  http(MarkReadDocument)({
    field: 'markRead',
    variables: () => ({ ticketId: f.ticketId, upToSequence: 1 }),
    allowed: ['agent', 'otherAgent'],
    check: (d) => expect(d.markRead).toMatchObject({ id: f.ticketId, lastReadSequence: 1 }),
  }),

  // Typing is never stored: an accepted signal changes nothing either.
  http(SetTypingDocument)({
    field: 'setTyping',
    variables: () => ({ ticketId: f.ticketId, typing: false }),
    // The assignee, or the channel's integration for its end user; not another agent, not an admin.
    allowed: ['agent', 'integration'],
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    check: (d) => expect(d.setTyping).toBe(true),
  }),

  // Changes to the fixture ticket and the offers: the order matters.
  http(ReceiveMessageDocument)({
    field: 'receiveMessage',
    // Everyone posts to the fixture's channel: the other integration may post only to its own.
    variables: () => ({
      input: { channelId: f.channelId, externalUserId: 'matrix-customer', body: `more ${unique()}` },
    }),
    allowed: ['integration', 'admin'],
    check: (d) => expect(d.receiveMessage.ticket.id).toBe(f.ticketId),
  }),
  http(SendMessageDocument)({
    field: 'sendMessage',
    variables: () => ({ ticketId: f.ticketId, body: `reply ${unique()}` }),
    // Only the assignee among agents: the other agent is FORBIDDEN.
    allowed: ['agent', 'admin'],
    check: (d, caller) => expect(d.sendMessage.agent?.id ?? null).toBe(caller === 'agent' ? f.agentId : null),
  }),
  http(SendMessageDocument)({
    field: 'sendMessage (clientMessageId)',
    // One id for every caller: the refused ones write nothing under it, and the admin (another
    // author) gets a message of its own rather than the assignee's.
    variables: () => ({ ticketId: f.ticketId, body: `reply ${unique()}`, clientMessageId: 'matrix-reply' }),
    allowed: ['agent', 'admin'],
    check: (d, caller) => {
      expect(d.sendMessage).toMatchObject({
        clientMessageId: 'matrix-reply',
        agent: caller === 'agent' ? { id: f.agentId } : null,
      });
      if (caller === 'agent') matrixReplyId = d.sendMessage.id;
      else expect(d.sendMessage.id).not.toBe(matrixReplyId);
    },
  }),
  http(SendMessageWithAttachmentsDocument)({
    field: 'sendMessage (attachmentIds)',
    // Each caller its own upload (refused ones included: the refusal is about the ticket, not the file).
    variables: (caller) => ({ ticketId: f.ticketId, body: '', attachmentIds: [uploadOf('send', caller)] }),
    allowed: ['agent', 'admin'],
    check: (d, caller) =>
      expect(d.sendMessage.attachments.map((a) => a.id)).toEqual([uploadOf('send', caller)]),
  }),
  http(ReceiveMessageWithAttachmentsDocument)({
    field: 'receiveMessage (attachmentIds)',
    variables: (caller) => ({
      input: {
        channelId: f.channelId,
        externalUserId: 'matrix-customer',
        body: '',
        attachmentIds: [uploadOf('receive', caller)],
      },
    }),
    allowed: ['integration', 'admin'],
    check: (d, caller) =>
      expect(d.receiveMessage.message.attachments.map((a) => a.id)).toEqual([uploadOf('receive', caller)]),
  }),
  http(SendNoteDocument)({
    field: 'sendMessage (internal)',
    variables: () => ({ ticketId: f.ticketId, body: `note ${unique()}`, internal: true }),
    allowed: ['agent', 'admin'],
    check: (d) => expect(d.sendMessage.internal).toBe(true),
  }),
  http(UpdateMessageDeliveryDocument)({
    field: 'updateMessageDelivery',
    // A receipt for the assignee's reply: its channel's integration reports DELIVERED, then the admin READ.
    variables: (caller) => ({
      input: { messageId: matrixReplyId, status: caller === 'admin' ? 'READ' : 'DELIVERED' },
    }),
    allowed: ['integration', 'admin'],
    // Another channel's message does not exist for an integration; agents never report receipts.
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    check: (d, caller) =>
      expect(d.updateMessageDelivery).toMatchObject({
        id: matrixReplyId,
        deliveryStatus: caller === 'admin' ? 'READ' : 'DELIVERED',
      }),
  }),
  http(UpdateTicketStatusDocument)({
    field: 'updateTicketStatus',
    // OPEN → PENDING, refused to the other agent then made by the assignee; PENDING → ON_HOLD by the admin.
    variables: (caller) => ({ ticketId: f.ticketId, status: caller === 'admin' ? 'ON_HOLD' : 'PENDING' }),
    allowed: ['agent', 'admin'],
    check: (d, caller) =>
      expect(d.updateTicketStatus.status).toBe(caller === 'admin' ? 'ON_HOLD' : 'PENDING'),
  }),
  http(UpdateTicketDocument)({
    field: 'updateTicket',
    // The assignee raises the priority, then the admin lowers it again; the other agent is FORBIDDEN.
    variables: (caller) => ({
      ticketId: f.ticketId,
      input: { priority: caller === 'admin' ? 'NORMAL' : 'HIGH' },
    }),
    allowed: ['agent', 'admin'],
    check: (d, caller) => expect(d.updateTicket.priority).toBe(caller === 'admin' ? 'NORMAL' : 'HIGH'),
  }),
  http(ReassignTicketDocument)({
    field: 'reassignTicket',
    variables: () => ({ ticketId: f.ticketId, agentId: f.agentId }),
    allowed: ['admin'],
  }),
  http(TransferTicketDocument)({
    field: 'transferTicket',
    // The assignee sends it back to the queue (with a note); then the admin offers it to the assignee.
    variables: (caller) => ({
      input:
        caller === 'admin'
          ? { ticketId: f.toTransferId, toAgentId: f.agentId }
          : { ticketId: f.toTransferId, note: `over to you ${unique()}` },
    }),
    // The other agent is not the assignee (FORBIDDEN, the default); integrations move no tickets.
    allowed: ['agent', 'admin'],
    check: (d, caller) =>
      expect(d.transferTicket).toMatchObject(
        caller === 'admin'
          ? { status: 'NEW', offeredTo: { id: f.agentId } }
          : { status: 'NEW', assignee: null },
      ),
  }),
  http(AcceptTicketDocument)({
    field: 'acceptTicket',
    variables: () => ({ ticketId: f.toAcceptId }),
    // Only the agent it is offered to; an admin assigns with reassignTicket instead.
    allowed: ['agent'],
    // The offer (to the assignee) stands when the other agent tries: not offered to it.
    refusedByState: { otherAgent: 'ILLEGAL_TRANSITION' },
    check: (d) => expect(d.acceptTicket).toMatchObject({ status: 'OPEN', assignee: { id: f.agentId } }),
  }),
  http(DeclineTicketDocument)({
    field: 'declineTicket',
    variables: () => ({ ticketId: f.toDeclineId }),
    allowed: ['agent'],
    // The other agent cannot turn down an offer made to someone else (FORBIDDEN, the default).
    check: (d) => expect(d.declineTicket).toMatchObject({ status: 'NEW', offeredTo: null }),
  }),
  http(SetAgentStatusDocument)({
    field: 'setAgentStatus',
    // Each agent sets its own (the assignee stays ONLINE: no offer is withdrawn); admins use setAgentStatusOf.
    variables: (caller) => ({ status: caller === 'otherAgent' ? 'AWAY' : 'ONLINE' }),
    allowed: ['agent', 'otherAgent'],
    check: (d, caller) => expect(d.setAgentStatus.id).toBe(caller === 'agent' ? f.agentId : f.otherAgentId),
  }),

  // Administration.
  http(SetAgentStatusOfDocument)({
    field: 'setAgentStatusOf',
    variables: () => ({ agentId: f.otherAgentId, status: 'OFFLINE' }),
    allowed: ['admin'],
  }),
  http(UpdateAgentDocument)({
    field: 'updateAgent',
    variables: () => ({ id: f.otherAgentId, input: { name: `Renamed ${unique()}` } }),
    allowed: ['admin'],
  }),
  http(CreateAgentDocument)({
    field: 'createAgent',
    variables: () => ({ input: { name: 'New', email: `matrix-new${unique()}@example.com` } }),
    allowed: ['admin'],
  }),
  http(CreateConversationStyleDocument)({
    field: 'createConversationStyle',
    variables: () => ({ input: { name: `Style ${unique()}`, kind: 'SOCIAL_MESSAGING' } }),
    allowed: ['admin'],
  }),
  http(UpdateConversationStyleDocument)({
    field: 'updateConversationStyle',
    variables: () => ({ id: f.styleId, input: { name: `Live ${unique()}` } }),
    allowed: ['admin'],
  }),
  http(CreateChannelDocument)({
    field: 'createChannel',
    variables: () => ({ input: { kind: 'SMS', name: `SMS ${unique()}`, styleId: f.styleId } }),
    allowed: ['admin'],
  }),
  http(UpdateChannelDocument)({
    field: 'updateChannel',
    variables: () => ({ id: f.channelId, input: { name: `Channel ${unique()}` } }),
    allowed: ['admin'],
  }),
  // SLA policies: admins only; each made for the spare channel, so no fixture ticket is measured.
  http(CreateSlaPolicyDocument)({
    field: 'createSlaPolicy',
    variables: () => ({
      input: { name: `SLA ${unique()}`, channelIds: [f.spareChannelId], resolutionSeconds: 86_400 },
    }),
    allowed: ['admin'],
  }),
  http(UpdateSlaPolicyDocument)({
    field: 'updateSlaPolicy',
    variables: () => ({ id: f.slaPolicyId, input: { name: `Matrix SLA ${unique()}` } }),
    allowed: ['admin'],
  }),
  http(DeleteSlaPolicyDocument)({
    field: 'deleteSlaPolicy',
    variables: () => ({ id: f.slaPolicyId }),
    allowed: ['admin'],
  }),
  http(UpdateRoutingSettingsDocument)({
    field: 'updateRoutingSettings',
    // Long, so no offer made after it expires during the run (see beforeAll).
    variables: () => ({ input: { offerTimeoutSeconds: 3_000 + unique() } }),
    allowed: ['admin'],
  }),
  http(RevokeTokenDocument)({
    field: 'revokeToken',
    variables: () => ({ id: f.spareAgentTokenId }),
    allowed: ['admin'],
    check: (d) => expect(d.revokeToken.revokedAt).not.toBeNull(),
  }),
  http(RotateAgentTokenDocument)({
    field: 'rotateAgentToken',
    variables: () => ({ agentId: f.spareAgentId }),
    allowed: ['admin'],
  }),
  http(RotateChannelTokenDocument)({
    field: 'rotateChannelToken',
    variables: () => ({ channelId: f.spareChannelId }),
    allowed: ['admin'],
    check: (d) => expect(d.rotateChannelToken.revokedTokens).toHaveLength(1),
  }),

  // Webhook endpoints: admins any, an integration its own channel's (another's does not exist for
  // it), agents none. Last, and the fixture endpoint enabled only among them (see f.webhookId).
  http(WebhookEndpointsDocument)({
    field: 'webhookEndpoints',
    variables: () => ({}),
    allowed: ['integration', 'otherIntegration', 'admin'],
    check: (d, caller) => {
      const ids = d.webhookEndpoints.map((e) => e.id);
      if (caller === 'otherIntegration') expect(ids).toEqual([]);
      else expect(ids).toContain(f.webhookId);
      if (caller === 'integration')
        expect(d.webhookEndpoints.every((e) => e.channel?.id === f.channelId)).toBe(true);
    },
  }),
  http(WebhookDeliveriesDocument)({
    field: 'webhookEndpoint',
    covers: ['WebhookEndpoint.deliveries'],
    variables: () => ({ id: f.webhookId }),
    allowed: ['integration', 'admin'],
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    check: (d) =>
      expect(d.webhookEndpoint?.deliveries.edges.map((e) => e.node.id)).toEqual([f.webhookDeliveryId]),
  }),
  http(UpdateWebhookEndpointDocument)({
    field: 'updateWebhookEndpoint',
    variables: () => ({ id: f.webhookId, input: { enabled: true } }),
    allowed: ['integration', 'admin'],
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    check: (d) => expect(d.updateWebhookEndpoint).toMatchObject({ enabled: true, disabledReason: null }),
    // Enabled again, it catches up on the changes made while it was disabled.
    after: webhooksIdle,
  }),
  http(RotateWebhookSecretDocument)({
    field: 'rotateWebhookSecret',
    variables: () => ({ id: f.webhookId }),
    allowed: ['integration', 'admin'],
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    check: (d) => expect(d.rotateWebhookSecret.secret).toMatch(/^whsec_/),
  }),
  http(RedeliverWebhookDocument)({
    field: 'redeliverWebhook',
    variables: () => ({ deliveryId: f.webhookDeliveryId }),
    allowed: ['integration', 'admin'],
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    check: (d) => expect(d.redeliverWebhook).toMatchObject({ status: 'PENDING', attempts: 0 }),
    // Due at once: the engine tries it (the port refuses), and it waits for a retry the test
    // clock never reaches.
    after: webhooksIdle,
  }),
  http(CreateWebhookEndpointDocument)({
    field: 'createWebhookEndpoint',
    // The fixture's channel for everyone but the admin (the other integration may not name it).
    variables: (caller) => ({
      input: {
        url: `http://127.0.0.1:9/matrix-${unique()}`,
        channelId: caller === 'admin' ? f.spareChannelId : f.channelId,
        kinds: ['OFFER_EXPIRED'],
      },
    }),
    allowed: ['integration', 'admin'],
    check: (d, caller) => {
      expect(d.createWebhookEndpoint.endpoint.channel?.id).toBe(
        caller === 'admin' ? f.spareChannelId : f.channelId,
      );
      createdWebhooks[caller] = d.createWebhookEndpoint.endpoint.id;
    },
  }),
  http(DeleteWebhookEndpointDocument)({
    field: 'deleteWebhookEndpoint',
    variables: (caller) => ({ id: createdWebhooks[caller === 'admin' ? 'admin' : 'integration']! }),
    allowed: ['integration', 'admin'],
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    check: (d, caller) => expect(d.deleteWebhookEndpoint).toBe(createdWebhooks[caller]),
  }),
  http(UpdateWebhookEndpointDocument)({
    field: 'updateWebhookEndpoint (disable)',
    variables: () => ({ id: f.webhookId, input: { enabled: false } }),
    allowed: ['integration', 'admin'],
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    // Disabled by the integration first; the admin's disable keeps that reason.
    check: (d) =>
      expect(d.updateWebhookEndpoint).toMatchObject({
        enabled: false,
        disabledReason: 'disabled by integration',
      }),
  }),
];

/**
 * Waits until the delivery engine has nothing to do by itself: every enabled endpoint has reached
 * the last change, and no delivery is due and unattempted or in flight (the ones it tried wait for
 * a retry that the test clock never reaches).
 */
async function webhooksIdle(): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const [row] = await db.query<{ n: number }>(
      `select (select count(*)::int from webhook_deliveries
                where status = 'PENDING' and (attempts = 0 or lease_owner is not null))
            + (select count(*)::int from webhook_endpoints w
                where w.enabled and (w.stream_xid, w.stream_id) <
                  (select e.stream_xid, e.id from ticket_events e order by e.stream_xid desc, e.id desc limit 1)) as n`,
    );
    if (row?.n === 0) return;
    if (performance.now() > deadline) throw new Error('the webhook delivery engine did not settle');
    await sleep(25);
  }
}

const isMutation = (document: DocumentNode) => getOperationAST(document)?.operation === 'mutation';

describe('who may do what (docs/domain.md): every query and mutation, over HTTP', () => {
  const matrix = HTTP_CASES.flatMap((c) => CALLERS.map((caller) => [c.field, caller, c] as const));

  it.each(matrix)('%s as %s', async (_field, caller, c) => {
    const before = await db.snapshot();
    const res = await t.client.execute(c.document, c.variables(caller), tokens[caller]);

    if (c.allowed.includes(caller)) {
      expect(res.errors).toBeUndefined();
      expect(res.data).toBeTruthy();
      c.check?.(res.data, caller);
      if (isMutation(c.document)) {
        await c.after?.();
        await settle();
      }
      return;
    }
    const expected = SIGNED_OUT.has(caller) ? 'UNAUTHENTICATED' : (c.refusedByState?.[caller] ?? 'FORBIDDEN');
    expect([...new Set(errorCodes(res))]).toEqual([expected]);
    if (caller === 'wrong' || caller === 'revoked') expect(res.status).toBe(401);
    expect(await db.snapshot()).toEqual(before);
  });

  it('refuses a malformed Authorization header as UNAUTHENTICATED', async () => {
    const res = await t.client.raw({ query: '{ agents { id } }' }, `Token ${t.adminToken}`);
    expect(res.status).toBe(401);
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });
});

// --------------------------------------------------------------------------------------------------
// Subscriptions, over real graphql-ws sockets

interface SubscriptionCase<TData, TVariables> {
  field: string;
  document: TypedDocumentNode<TData, TVariables>;
  variables: () => TVariables;
  allowed: readonly Caller[];
  refusedByState?: Partial<Record<Caller, string>>;
  /**
   * Whether the subscription registers on the ticket event bus (queueStats answers with a first
   * frame instead); 'typing': on the typing feed, which is not the bus (typing is never logged).
   */
  onBus: boolean | 'typing';
  /** For an allowed caller, on its live subscription: makes a change it must deliver, and checks what arrives. */
  delivers: (live: LiveSubscription<TData>, caller: Caller) => Promise<void>;
}
type AnySubscriptionCase = SubscriptionCase<unknown, Record<string, unknown>>;
const subscription =
  <TData, TVariables extends Record<string, unknown>>(document: TypedDocumentNode<TData, TVariables>) =>
  (c: Omit<SubscriptionCase<TData, TVariables>, 'document'>) =>
    ({ ...c, document }) as unknown as AnySubscriptionCase;

/** A ticket on the other channel (never routed: it needs a skill nobody has), by the admin. */
async function otherChannelTicket(): Promise<string> {
  const { receiveMessage } = await t.client.ok(
    ReceiveMessageDocument,
    { input: { channelId: f.otherChannelId, externalUserId: `elsewhere-${unique()}`, body: 'hi' } },
    t.adminToken,
  );
  return receiveMessage.ticket.id;
}

const SUBSCRIPTION_CASES: AnySubscriptionCase[] = [
  subscription(MessageAddedDocument)({
    field: 'messageAdded',
    variables: () => ({ ticketId: f.ticketId }),
    allowed: ['agent', 'otherAgent', 'integration', 'admin'],
    // As for ticket(id): another channel's ticket does not exist for an integration.
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    onBus: true,
    delivers: async (live, caller) => {
      const body = `for ${caller} ${unique()}`;
      await t.client.ok(SendMessageDocument, { ticketId: f.ticketId, body }, t.adminToken);
      const [event] = await live.waitFor(1);
      expect(event!.messageAdded).toMatchObject({ body, ticket: { id: f.ticketId } });
    },
  }),
  subscription(TicketChangedDocument)({
    field: 'ticketChanged',
    variables: () => ({}),
    allowed: SIGNED_IN,
    onBus: true,
    delivers: async (live, caller) => {
      await t.client.ok(
        SendMessageDocument,
        { ticketId: f.ticketId, body: `changed ${unique()}` },
        t.adminToken,
      );
      if (caller !== 'otherIntegration') {
        const [event] = await live.waitFor(1);
        expect(event!.ticketChanged).toMatchObject({ kind: 'MESSAGE_ADDED', ticket: { id: f.ticketId } });
        return;
      }
      // The other integration's subscription is live, yet the fixture channel's change (committed,
      // so delivered, first) never reaches it: only its own channel's does.
      const { receiveMessage } = await t.client.ok(
        ReceiveMessageDocument,
        { input: { channelId: f.otherChannelId, externalUserId: `own-${unique()}`, body: 'mine' } },
        tokens.otherIntegration,
      );
      const [event] = await live.waitFor(1);
      expect(event!.ticketChanged).toMatchObject({
        kind: 'CREATED',
        ticket: { id: receiveMessage.ticket.id },
      });
      await live.waitFor(2);
      expect(live.events.map((e) => e.ticketChanged.ticket.id)).not.toContain(f.ticketId);
    },
  }),
  subscription(AssignmentsDocument)({
    field: 'assignments',
    variables: () => ({ agentId: f.agentId }),
    // The agent's own, or any agent's for an admin; the other agent may not follow the assignee.
    allowed: ['agent', 'admin'],
    onBus: true,
    delivers: async (live) => {
      const ticketId = await otherChannelTicket();
      await assign(t, ticketId, f.agentId);
      const [event] = await live.waitFor(1);
      expect(event!.assignments).toMatchObject({ kind: 'ASSIGNED', ticket: { id: ticketId } });
    },
  }),
  // With `after`, a subscription first replays the log: the same callers, and the same visibility.
  subscription(TicketChangedAfterDocument)({
    field: 'ticketChanged (after)',
    variables: () => ({ after: f.firstCursor }),
    allowed: SIGNED_IN,
    onBus: true,
    delivers: async (live, caller) => {
      // Live (subscribeLive) only once its replay has caught up: all of it has been sent by now.
      const expected = await changesAfter(f.firstCursor, tokens[caller]!);
      const replayed = (await live.waitFor(expected.length)).map((e) => e.ticketChanged);
      await sleep(100);
      expect(live.events).toHaveLength(expected.length);
      expect(replayed.map((c) => [c.cursor, c.kind, c.ticket.id])).toEqual(
        expected.map((c) => [c.cursor, c.kind, c.ticket.id]),
      );
      // By now the other channel has tickets too (the cases above): each integration sees its own.
      const channels = new Set(replayed.map((c) => c.ticket.channel.id));
      if (caller === 'integration') expect(channels).toEqual(new Set([f.channelId]));
      else if (caller === 'otherIntegration') expect(channels).toEqual(new Set([f.otherChannelId]));
      else expect(channels).toEqual(new Set([f.channelId, f.otherChannelId]));
    },
  }),
  subscription(AssignmentsAfterDocument)({
    field: 'assignments (after)',
    variables: () => ({ agentId: f.agentId, after: f.firstCursor }),
    allowed: ['agent', 'admin'],
    onBus: true,
    delivers: async (live) => {
      // A live assignment: whatever arrives before it is the replay.
      const ticketId = await otherChannelTicket();
      await assign(t, ticketId, f.agentId);
      const isNew = (e: (typeof live.events)[number]) =>
        e.assignments.kind === 'ASSIGNED' && e.assignments.ticket.id === ticketId;
      const deadline = performance.now() + 5000;
      while (!live.events.some(isNew)) {
        if (performance.now() > deadline) throw new Error('the live assignment never arrived');
        await sleep(10);
      }
      expect(live.events.at(-1)!.assignments.ticket.id).toBe(ticketId);
      const replayed = live.events.slice(0, -1).map((e) => e.assignments);
      // The fixture's assignment and offers, then whatever the cases above gave this agent, in log order.
      expect(replayed.slice(0, 3).map((c) => [c.kind, c.ticket.id])).toEqual([
        ['ASSIGNED', f.ticketId],
        ['OFFERED', f.toAcceptId],
        ['OFFERED', f.toDeclineId],
      ]);
      const kinds = new Set(['OFFERED', 'OFFER_DECLINED', 'OFFER_EXPIRED', 'ASSIGNED', 'TRANSFERRED']);
      expect(replayed.filter((c) => !kinds.has(c.kind))).toEqual([]);
      const log = (await changesAfter(f.firstCursor, t.adminToken)).map((c) => c.cursor);
      const positions = [...replayed, live.events.at(-1)!.assignments].map((c) => log.indexOf(c.cursor));
      expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!))).toBe(true);
    },
  }),
  subscription(AgentChangedDocument)({
    field: 'agentChanged',
    variables: () => ({ agentId: f.agentId }),
    // An agent may watch itself (or everyone, below), not another agent alone; an admin anyone.
    allowed: ['agent', 'admin'],
    onBus: true,
    delivers: async (live) => {
      const ticketId = await otherChannelTicket();
      await assign(t, ticketId, f.agentId);
      const deadline = performance.now() + 5000;
      while (!live.events.some((e) => e.agentChanged.id === f.agentId)) {
        if (performance.now() > deadline) throw new Error('the agent’s change never arrived');
        await sleep(10);
      }
      expect(live.events.every((e) => e.agentChanged.id === f.agentId)).toBe(true);
    },
  }),
  subscription(AgentChangedDocument)({
    field: 'agentChanged (every agent)',
    variables: () => ({}),
    allowed: PEOPLE,
    onBus: true,
    delivers: async (live) => {
      const ticketId = await otherChannelTicket();
      await assign(t, ticketId, f.agentId);
      const deadline = performance.now() + 5000;
      while (!live.events.some((e) => e.agentChanged.id === f.agentId)) {
        if (performance.now() > deadline) throw new Error('the agent’s change never arrived');
        await sleep(10);
      }
    },
  }),
  subscription(TypingDocument)({
    field: 'typing',
    variables: () => ({ ticketId: f.ticketId }),
    // Whoever may read the ticket; another channel's ticket does not exist for an integration.
    allowed: ['agent', 'otherAgent', 'integration', 'admin'],
    refusedByState: { otherIntegration: 'NOT_FOUND' },
    onBus: 'typing',
    delivers: async (live) => {
      // Past the renewal coalescing of the previous case's signal: this one is announced.
      t.clock.advance(10);
      await t.client.ok(SetTypingDocument, { ticketId: f.ticketId, typing: true }, tokens.agent);
      const [event] = await live.waitFor(1);
      expect(event!.typing).toMatchObject({ typing: true, authorType: 'AGENT', agent: { id: f.agentId } });
      await t.client.ok(SetTypingDocument, { ticketId: f.ticketId, typing: false }, tokens.agent);
      await live.waitFor(2);
    },
  }),
  subscription(QueueStatsDocument)({
    field: 'queueStats',
    variables: () => ({}),
    allowed: PEOPLE,
    onBus: false,
    delivers: async (live) => {
      const [now] = await live.waitFor(1);
      await otherChannelTicket(); // one more waiting
      const events = await live.waitFor(2);
      expect(events[1]!.queueStats.waiting).toBe(now!.queueStats.waiting + 1);
    },
  }),
];

/** Every change after `after` that the token's caller may see, oldest first. */
async function changesAfter(after: string, token: string) {
  const changes = [];
  let cursor: string | null = after;
  for (;;) {
    const { ticketChanges }: TicketChangesQuery = await t.client.ok(
      TicketChangesDocument,
      { after: cursor, first: 1_000 },
      token,
    );
    changes.push(...ticketChanges.edges.map((e) => e.node));
    if (!ticketChanges.pageInfo.hasNextPage) return changes;
    cursor = ticketChanges.pageInfo.endCursor!;
  }
}

/** The codes of the errors a refused subscription got (its `next` errors, or an `error` message's). */
async function refusal(live: LiveSubscription<unknown>): Promise<string[]> {
  const deadline = performance.now() + 5000;
  while (live.errors.length === 0) {
    if (performance.now() > deadline) throw new Error('the subscription was neither refused nor delivered');
    await sleep(10);
  }
  return live.errors
    .flatMap((e) => (Array.isArray(e) ? (e as unknown[]) : [e]))
    .map((e) => String((e as GraphQLFormattedError).extensions?.code));
}

describe('who may do what (docs/domain.md): every subscription, over graphql-ws', () => {
  const matrix = SUBSCRIPTION_CASES.flatMap((c) => CALLERS.map((caller) => [c.field, caller, c] as const));

  it.each(matrix)('%s as %s', async (_field, caller, c) => {
    const before = await db.snapshot();

    if (SIGNED_OUT.has(caller)) {
      // Closed at connection_init: the subscription is never even sent.
      const ws = connectWs(t.wsUrl, caller === 'none' ? undefined : `Bearer ${tokens[caller]}`);
      try {
        const live = subscribeWs(ws.client, c.document, c.variables());
        await expect(ws.acknowledged).rejects.toThrow('closed with 4401');
        expect((await ws.closed).code).toBe(4401);
        expect(live.events).toEqual([]);
      } finally {
        await ws.dispose();
      }
      expect(await db.snapshot()).toEqual(before);
      return;
    }

    const ws = await sockets.connect(tokens[caller]!);
    if (c.allowed.includes(caller)) {
      const typingFeed = {
        settle: () => t.app.services.events.settle(),
        subscriberCount: () => t.app.services.typing.subscriberCount(),
      };
      const live =
        c.onBus === 'typing'
          ? await subscribeLive(typingFeed, ws.client, c.document, c.variables())
          : c.onBus
            ? await subscribeLive(t.app.services.events, ws.client, c.document, c.variables())
            : subscribeWs(ws.client, c.document, c.variables());
      await c.delivers(live, caller);
      expect(live.errors).toEqual([]);
      live.stop();
      await settle();
      return;
    }
    const live = subscribeWs(ws.client, c.document, c.variables());
    expect(await refusal(live)).toEqual([c.refusedByState?.[caller] ?? 'FORBIDDEN']);
    expect(live.events).toEqual([]);
    expect(await db.snapshot()).toEqual(before);
  });

  it('closes a socket with a malformed authorization with 4401', async () => {
    const ws = connectWs(t.wsUrl, `Token ${t.adminToken}`);
    try {
      await expect(ws.acknowledged).rejects.toThrow('closed with 4401');
    } finally {
      await ws.dispose();
    }
  });
});

// --------------------------------------------------------------------------------------------------

/** `Type.field` for each root field a document selects. */
function rootFields(document: DocumentNode): string[] {
  const operation = getOperationAST(document);
  if (!operation) throw new Error('a case document must hold one operation');
  const type = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' }[operation.operation];
  return operation.selectionSet.selections.flatMap((s) =>
    s.kind === Kind.FIELD ? [`${type}.${s.name.value}`] : [],
  );
}

describe('the matrix', () => {
  it('has a case for every query, mutation and subscription of the schema, and every admin-only field', async () => {
    const schema = await getSchema();
    const fields: string[] = [];
    for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
      for (const name of Object.keys(root?.getFields() ?? {})) fields.push(`${root!.name}.${name}`);
    }
    // Fields that only admins may read say so ("Admins only."): each needs a case of its own.
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        if (field.description?.includes('Admins only')) fields.push(`${type.name}.${field.name}`);
        if (field.description?.includes('Admins and agents only')) fields.push(`${type.name}.${field.name}`);
      }
    }
    expect(fields).toEqual(
      expect.arrayContaining(['Agent.tokens', 'Channel.tokens', 'Mutation.revokeToken']),
    );

    const cases = [...HTTP_CASES, ...SUBSCRIPTION_CASES];
    const covered = new Set(
      cases.flatMap((c) => [
        ...rootFields(c.document),
        c.field.split(' ')[0]!,
        ...('covers' in c ? (c.covers ?? []) : []),
      ]),
    );
    expect(fields.filter((field) => !covered.has(field))).toEqual([]);
    // A root case is named after the one field it exercises (and, after a space, how).
    for (const c of cases) {
      if (!c.field.includes('.'))
        expect(rootFields(c.document).map((r) => r.split('.')[1])).toEqual([c.field.split(' ')[0]]);
    }
  });
});
