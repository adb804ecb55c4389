import type { GraphqlClient } from './parley';

/** Scenario set-up through the public API, as an admin would do it. */

export type StyleKind = 'LIVE_CHAT' | 'LIVE_CHAT_RETURNING' | 'SOCIAL_MESSAGING';

let counter = 0;
const unique = (): string => `${process.pid}-${++counter}`;

export async function createChannel(
  gql: GraphqlClient,
  admin: string,
  kind: StyleKind,
  options: { closeAfterSolvedSeconds?: number; requiredSkills?: string[]; optionalSkills?: string[] } = {},
): Promise<{ id: string; token: string }> {
  const { closeAfterSolvedSeconds, requiredSkills, optionalSkills } = options;
  let styleId: string;
  if (closeAfterSolvedSeconds === undefined) {
    const { conversationStyles } = await gql.request<{ conversationStyles: { id: string; kind: string }[] }>(
      admin,
      `{ conversationStyles { id kind } }`,
    );
    styleId = conversationStyles.find((s) => s.kind === kind)!.id;
  } else {
    const { createConversationStyle } = await gql.request<{ createConversationStyle: { id: string } }>(
      admin,
      `mutation($input: CreateConversationStyleInput!) { createConversationStyle(input: $input) { id } }`,
      { input: { name: `bench ${kind} ${unique()}`, kind, closeAfterSolvedSeconds } },
    );
    styleId = createConversationStyle.id;
  }
  const { createChannel } = await gql.request<{ createChannel: { channel: { id: string }; token: string } }>(
    admin,
    `mutation($input: CreateChannelInput!) { createChannel(input: $input) { channel { id } token } }`,
    {
      input: {
        kind: 'WEB_WIDGET',
        name: `bench channel ${unique()}`,
        styleId,
        requiredSkills,
        optionalSkills,
      },
    },
  );
  return { id: createChannel.channel.id, token: createChannel.token };
}

export async function createAgents(
  gql: GraphqlClient,
  admin: string,
  capacities: number[],
  status: 'ONLINE' | 'OFFLINE',
  skills: string[] = [],
): Promise<{ id: string; token: string; capacity: number }[]> {
  return inParallel(capacities, 8, async (capacity) => {
    const n = unique();
    const { createAgent } = await gql.request<{ createAgent: { agent: { id: string }; token: string } }>(
      admin,
      `mutation($input: CreateAgentInput!) { createAgent(input: $input) { agent { id } token } }`,
      { input: { name: `Agent ${n}`, email: `agent-${n}@bench.example`, capacity, skills } },
    );
    if (status === 'ONLINE') {
      await gql.request(createAgent.token, `mutation { setAgentStatus(status: ONLINE) { id } }`);
    }
    return { id: createAgent.agent.id, token: createAgent.token, capacity };
  });
}

export async function setAutoAccept(gql: GraphqlClient, admin: string, autoAccept: boolean): Promise<void> {
  await gql.request(
    admin,
    `mutation($a: Boolean!) { updateRoutingSettings(input: { autoAccept: $a }) { autoAccept } }`,
    {
      a: autoAccept,
    },
  );
}

/** docs/domain.md "Skills timeout"; null: optional skills never lapse. */
export async function setSkillsTimeout(
  gql: GraphqlClient,
  admin: string,
  seconds: number | null,
): Promise<void> {
  await gql.request(
    admin,
    `mutation($s: Int) { updateRoutingSettings(input: { skillsTimeoutSeconds: $s }) { skillsTimeoutSeconds } }`,
    { s: seconds },
  );
}

export const RECEIVE_MESSAGE = `mutation($input: ReceiveMessageInput!) {
  receiveMessage(input: $input) { message { id sequence } ticket { id } ticketCreated }
}`;

/** One first message per user; returns the ticket ids in the users' order. */
export async function openTickets(
  gql: GraphqlClient,
  channel: { id: string; token: string },
  users: string[],
  concurrency = 8,
): Promise<string[]> {
  return inParallel(users, concurrency, async (user) => {
    const { receiveMessage } = await gql.request<{ receiveMessage: { ticket: { id: string } } }>(
      channel.token,
      RECEIVE_MESSAGE,
      { input: { channelId: channel.id, externalUserId: user, body: 'hello' } },
    );
    return receiveMessage.ticket.id;
  });
}

export async function inParallel<T, R>(
  items: T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}
