import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AcceptTicketDocument,
  AgentDocument,
  DeclineTicketDocument,
  QueueDocument,
  RoutingPreviewDocument,
  AgentsDocument,
  ChannelsDocument,
  ConversationStylesDocument,
  CreateAgentDocument,
  CreateChannelDocument,
  CreateConversationStyleDocument,
  MeDocument,
  ReassignTicketDocument,
  ReceiveMessageDocument,
  SendMessageDocument,
  TicketDocument,
  TicketsDocument,
  UpdateTicketStatusDocument,
  RoutingSettingsDocument,
  SetAgentStatusDocument,
  SetAgentStatusOfDocument,
  UpdateAgentDocument,
  UpdateChannelDocument,
  UpdateConversationStyleDocument,
  UpdateRoutingSettingsDocument,
} from '../generated/operations';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';

type Caller = 'none' | 'wrong' | 'agent' | 'integration' | 'admin';
const CALLERS: Caller[] = ['none', 'wrong', 'agent', 'integration', 'admin'];

let t: TestApp;
const tokens: Partial<Record<Caller, string>> = { wrong: 'prl_agent_this-token-was-never-issued' };
let agentId: string;
let styleId: string;
let channelId: string;
let ticketId: string;
let seq = 0;

beforeAll(async () => {
  t = await startTestApp();
  tokens.admin = t.adminToken;
  const agent = await t.client.ok(
    CreateAgentDocument,
    { input: { name: 'Matrix Agent', email: 'matrix@example.com' } },
    t.adminToken,
  );
  tokens.agent = agent.createAgent.token;
  agentId = agent.createAgent.agent.id;
  const styles = await t.client.ok(ConversationStylesDocument, {}, t.adminToken);
  styleId = styles.conversationStyles[0]!.id;
  const channel = await t.client.ok(
    CreateChannelDocument,
    { input: { kind: 'WHATSAPP', name: 'Matrix WhatsApp', styleId } },
    t.adminToken,
  );
  tokens.integration = channel.createChannel.token;
  channelId = channel.createChannel.channel.id;
  const received = await t.client.ok(
    ReceiveMessageDocument,
    { input: { channelId, externalUserId: 'matrix-customer', body: 'hello' } },
    tokens.integration,
  );
  ticketId = received.receiveMessage.ticket.id;
  await t.client.ok(ReassignTicketDocument, { ticketId, agentId }, t.adminToken);
});
afterAll(() => t.close());

interface Case {
  operation: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a table of differently typed documents
  document: TypedDocumentNode<any, any>;
  variables: (caller: Caller) => Record<string, unknown>;
  allowed: Caller[];
  /** Callers who pass the role check but are refused by the ticket's state, with that code. */
  refusedByState?: Partial<Record<Caller, string>>;
}

const unique = () => ++seq;
const CASES: Case[] = [
  {
    operation: 'me',
    document: MeDocument,
    variables: () => ({}),
    allowed: ['agent', 'integration', 'admin'],
  },
  {
    operation: 'agent',
    document: AgentDocument,
    variables: () => ({ id: agentId }),
    allowed: ['agent', 'admin'],
  },
  { operation: 'agents', document: AgentsDocument, variables: () => ({}), allowed: ['agent', 'admin'] },
  {
    operation: 'createAgent',
    document: CreateAgentDocument,
    variables: () => ({ input: { name: 'New', email: `new${unique()}@example.com` } }),
    allowed: ['admin'],
  },
  {
    operation: 'updateAgent',
    document: UpdateAgentDocument,
    variables: () => ({ id: agentId, input: { name: `Renamed ${unique()}` } }),
    allowed: ['admin'],
  },
  {
    operation: 'setAgentStatus',
    document: SetAgentStatusDocument,
    variables: () => ({ status: 'ONLINE' }),
    allowed: ['agent'],
  },
  {
    operation: 'setAgentStatusOf',
    document: SetAgentStatusOfDocument,
    variables: () => ({ agentId, status: 'AWAY' }),
    allowed: ['admin'],
  },
  {
    operation: 'conversationStyles',
    document: ConversationStylesDocument,
    variables: () => ({}),
    allowed: ['agent', 'integration', 'admin'],
  },
  {
    operation: 'createConversationStyle',
    document: CreateConversationStyleDocument,
    variables: () => ({ input: { name: `Style ${unique()}`, kind: 'SOCIAL_MESSAGING' } }),
    allowed: ['admin'],
  },
  {
    operation: 'updateConversationStyle',
    document: UpdateConversationStyleDocument,
    variables: () => ({ id: styleId, input: { name: `Live ${unique()}` } }),
    allowed: ['admin'],
  },
  {
    operation: 'channels',
    document: ChannelsDocument,
    variables: () => ({}),
    allowed: ['agent', 'integration', 'admin'],
  },
  {
    operation: 'createChannel',
    document: CreateChannelDocument,
    variables: () => ({ input: { kind: 'SMS', name: `SMS ${unique()}`, styleId } }),
    allowed: ['admin'],
  },
  {
    operation: 'updateChannel',
    document: UpdateChannelDocument,
    variables: () => ({ id: channelId, input: { name: `Channel ${unique()}` } }),
    allowed: ['admin'],
  },
  {
    operation: 'routingSettings',
    document: RoutingSettingsDocument,
    variables: () => ({}),
    allowed: ['agent', 'admin'],
  },
  {
    operation: 'updateRoutingSettings',
    document: UpdateRoutingSettingsDocument,
    variables: () => ({ input: { offerTimeoutSeconds: 10 + unique() } }),
    allowed: ['admin'],
  },
  {
    operation: 'ticket',
    document: TicketDocument,
    variables: () => ({ id: ticketId }),
    allowed: ['agent', 'integration', 'admin'],
  },
  {
    operation: 'tickets',
    document: TicketsDocument,
    variables: () => ({}),
    allowed: ['agent', 'integration', 'admin'],
  },
  {
    operation: 'receiveMessage',
    document: ReceiveMessageDocument,
    variables: () => ({ input: { channelId, externalUserId: 'matrix-customer', body: `more ${unique()}` } }),
    allowed: ['integration', 'admin'],
  },
  {
    operation: 'sendMessage',
    document: SendMessageDocument,
    variables: () => ({ ticketId, body: `reply ${unique()}` }),
    allowed: ['agent', 'admin'],
  },
  {
    operation: 'updateTicketStatus',
    document: UpdateTicketStatusDocument,
    // OPEN → PENDING by the agent, then PENDING → ON_HOLD by the admin.
    variables: (caller) => ({ ticketId, status: caller === 'admin' ? 'ON_HOLD' : 'PENDING' }),
    allowed: ['agent', 'admin'],
  },
  {
    operation: 'reassignTicket',
    document: ReassignTicketDocument,
    variables: () => ({ ticketId, agentId }),
    allowed: ['admin'],
  },
  { operation: 'queue', document: QueueDocument, variables: () => ({}), allowed: ['agent', 'admin'] },
  {
    operation: 'routingPreview',
    document: RoutingPreviewDocument,
    variables: () => ({ ticketId }),
    allowed: ['admin'],
  },
  {
    operation: 'acceptTicket',
    document: AcceptTicketDocument,
    variables: () => ({ ticketId }),
    allowed: [],
    // The ticket is assigned, not offered: past the role check, the offer rule refuses.
    refusedByState: { agent: 'ILLEGAL_TRANSITION' },
  },
  {
    operation: 'declineTicket',
    document: DeclineTicketDocument,
    variables: () => ({ ticketId }),
    allowed: [],
    refusedByState: { agent: 'FORBIDDEN' },
  },
];

const matrix = CASES.flatMap((c) => CALLERS.map((caller) => [c.operation, caller, c] as const));

describe('who may do what (DESIGN.md), for every query and mutation', () => {
  it.each(matrix)('%s as %s', async (_operation, caller, c) => {
    const before = await t.snapshot();
    const res = await t.client.execute(c.document, c.variables(caller), tokens[caller]);

    if (c.allowed.includes(caller)) {
      expect(res.errors).toBeUndefined();
      expect(res.data).toBeTruthy();
      return;
    }
    const expected =
      c.refusedByState?.[caller] ??
      (caller === 'none' || caller === 'wrong' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
    expect(errorCodes(res)).toEqual([expected]);
    if (caller === 'wrong') expect(res.status).toBe(401);
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses a malformed Authorization header as UNAUTHENTICATED', async () => {
    const res = await t.client.raw({ query: '{ agents { id } }' }, `Token ${t.adminToken}`);
    expect(res.status).toBe(401);
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });
});
