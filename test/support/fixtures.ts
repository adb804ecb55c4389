import type { AgentStatus, ConversationStyleKind, ReceiveMessageInput } from '../generated/operations';
import {
  ConversationStylesDocument,
  CreateAgentDocument,
  CreateChannelDocument,
  CreateConversationStyleDocument,
  ReceiveMessageDocument,
  ReassignTicketDocument,
  SetAgentStatusDocument,
} from '../generated/operations';
import type { Clock } from '../../src/domain/clock';
import type { TestApp } from './test-app';

let counter = 0;
const unique = () => `${process.pid}-${++counter}`;

/** An agent, ONLINE unless told otherwise (a new agent starts OFFLINE). */
export async function createAgent(
  t: TestApp<Clock>,
  input: { name?: string; skills?: string[]; capacity?: number; status?: AgentStatus } = {},
) {
  const n = unique();
  const { createAgent } = await t.client.ok(
    CreateAgentDocument,
    {
      input: {
        name: input.name ?? `Agent ${n}`,
        email: `agent-${n}@example.com`,
        skills: input.skills,
        capacity: input.capacity,
      },
    },
    t.adminToken,
  );
  const status = input.status ?? 'ONLINE';
  if (status !== 'OFFLINE') await t.client.ok(SetAgentStatusDocument, { status }, createAgent.token);
  return { id: createAgent.agent.id, token: createAgent.token };
}

export async function styleId(
  t: TestApp<Clock>,
  kind: ConversationStyleKind,
  closeAfterSolvedSeconds?: number,
): Promise<string> {
  if (closeAfterSolvedSeconds !== undefined) {
    const { createConversationStyle } = await t.client.ok(
      CreateConversationStyleDocument,
      { input: { name: `${kind} ${closeAfterSolvedSeconds}s ${unique()}`, kind, closeAfterSolvedSeconds } },
      t.adminToken,
    );
    return createConversationStyle.id;
  }
  const { conversationStyles } = await t.client.ok(ConversationStylesDocument, {}, t.adminToken);
  return conversationStyles.find((s) => s.kind === kind)!.id;
}

export async function createChannel(
  t: TestApp<Clock>,
  kind: ConversationStyleKind,
  options: { requiredSkills?: string[]; closeAfterSolvedSeconds?: number } = {},
) {
  const { createChannel } = await t.client.ok(
    CreateChannelDocument,
    {
      input: {
        kind: 'WEB_WIDGET',
        name: `Channel ${unique()}`,
        styleId: await styleId(t, kind, options.closeAfterSolvedSeconds),
        requiredSkills: options.requiredSkills,
      },
    },
    t.adminToken,
  );
  return { id: createChannel.channel.id, token: createChannel.token };
}

/** An end user's message through the channel's integration. */
export async function receive(
  t: TestApp<Clock>,
  channel: { id: string; token: string },
  externalUserId: string,
  body: string,
  extra: Partial<ReceiveMessageInput> = {},
) {
  const { receiveMessage } = await t.client.ok(
    ReceiveMessageDocument,
    { input: { channelId: channel.id, externalUserId, body, ...extra } },
    channel.token,
  );
  return receiveMessage;
}

export async function assign(t: TestApp<Clock>, ticketId: string, agentId: string | null) {
  return (await t.client.ok(ReassignTicketDocument, { ticketId, agentId }, t.adminToken)).reassignTicket;
}
