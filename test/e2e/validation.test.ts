import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AgentDocument,
  ConversationStylesDocument,
  CreateAgentDocument,
  CreateChannelDocument,
  CreateConversationStyleDocument,
  SetAgentStatusOfDocument,
  UpdateAgentDocument,
  UpdateChannelDocument,
  UpdateConversationStyleDocument,
  UpdateRoutingSettingsDocument,
} from '../generated/operations';
import { errorCodes } from '../support/graphql-client';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let agentId: string;
let liveChatStyleId: string;
let socialStyleId: string;
let channelId: string;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  t = await startTestApp();
  const agent = await t.client.ok(
    CreateAgentDocument,
    { input: { name: 'Existing', email: 'taken@example.com' } },
    t.adminToken,
  );
  agentId = agent.createAgent.agent.id;
  const { conversationStyles } = await t.client.ok(ConversationStylesDocument, {}, t.adminToken);
  liveChatStyleId = conversationStyles.find((s) => s.kind === 'LIVE_CHAT')!.id;
  socialStyleId = conversationStyles.find((s) => s.kind === 'SOCIAL_MESSAGING')!.id;
  const channel = await t.client.ok(
    CreateChannelDocument,
    { input: { kind: 'LINE', name: 'LINE', styleId: socialStyleId } },
    t.adminToken,
  );
  channelId = channel.createChannel.channel.id;
});
afterAll(() => t.close());

/** Sends as admin; expects exactly one error with `code` and an untouched database. */
async function expectRefused<TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<unknown, TVariables>,
  variables: TVariables,
  code: string,
): Promise<void> {
  const before = await t.snapshot();
  const res = await t.client.execute(document, variables, t.adminToken);
  expect(errorCodes(res)).toEqual([code]);
  expect(res.errors?.[0]?.message).toBeTruthy();
  expect(await t.snapshot()).toEqual(before);
}

describe('agent input', () => {
  it.each([
    'not-an-email',
    'two@@example.com',
    'space in@example.com',
    'nodomain@',
    'nodot@example',
    '',
    `${'a'.repeat(250)}@example.com`,
  ])('refuses the email %p', (email) =>
    expectRefused(CreateAgentDocument, { input: { name: 'X', email } }, 'BAD_USER_INPUT'),
  );

  it('refuses an email already used, ignoring case', () =>
    expectRefused(
      CreateAgentDocument,
      { input: { name: 'X', email: 'TAKEN@Example.COM' } },
      'BAD_USER_INPUT',
    ));

  it('refuses the same email created twice at once: exactly one wins', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.client.execute(
          CreateAgentDocument,
          { input: { name: `Racer ${i}`, email: `Race${i % 2 ? 'R' : 'r'}@example.com` } },
          t.adminToken,
        ),
      ),
    );
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.flatMap(errorCodes)).toEqual(Array(7).fill('BAD_USER_INPUT'));
  });

  it.each([-1, 101, 1000])('refuses capacity %p', (capacity) =>
    expectRefused(
      CreateAgentDocument,
      { input: { name: 'X', email: 'cap@example.com', capacity } },
      'BAD_USER_INPUT',
    ),
  );

  it.each([0, 100])('accepts capacity %p', async (capacity) => {
    const res = await t.client.ok(
      CreateAgentDocument,
      { input: { name: 'Edge', email: `edge${capacity}@example.com`, capacity } },
      t.adminToken,
    );
    expect(res.createAgent.agent.capacity).toBe(capacity);
  });

  it.each([[['']], [['   ']], [['has space']], [['émoji']], [['a'.repeat(65)]], [['ok', 'bad!']]])(
    'refuses the skills %p',
    (skills) =>
      expectRefused(
        CreateAgentDocument,
        { input: { name: 'X', email: 'skill@example.com', skills } },
        'BAD_USER_INPUT',
      ),
  );

  it('accepts a 64-character skill', async () => {
    const skill = 'a'.repeat(64);
    const res = await t.client.ok(
      CreateAgentDocument,
      { input: { name: 'Long', email: 'long@example.com', skills: [skill] } },
      t.adminToken,
    );
    expect(res.createAgent.agent.skills).toEqual([skill]);
  });

  it.each(['', '   '])('refuses the name %p', (name) =>
    expectRefused(CreateAgentDocument, { input: { name, email: 'name@example.com' } }, 'BAD_USER_INPUT'),
  );

  it('refuses an update that sets capacity out of range or a field to null', async () => {
    await expectRefused(UpdateAgentDocument, { id: agentId, input: { capacity: 101 } }, 'BAD_USER_INPUT');
    await expectRefused(UpdateAgentDocument, { id: agentId, input: { capacity: null } }, 'BAD_USER_INPUT');
    await expectRefused(UpdateAgentDocument, { id: agentId, input: { name: null } }, 'BAD_USER_INPUT');
    await expectRefused(
      UpdateAgentDocument,
      { id: agentId, input: { skills: ['no way'] } },
      'BAD_USER_INPUT',
    );
  });

  it('refuses a value of the wrong GraphQL type before any resolver runs', async () => {
    const before = await t.snapshot();
    const res = await t.client.raw(
      {
        query: 'mutation($input: CreateAgentInput!) { createAgent(input: $input) { token } }',
        variables: { input: { name: 'X', email: 'type@example.com', capacity: 'two' } },
      },
      `Bearer ${t.adminToken}`,
    );
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('conversation style input', () => {
  it.each([
    ['LIVE_CHAT', 5],
    ['LIVE_CHAT', -1],
    ['LIVE_CHAT_RETURNING', 0],
    ['SOCIAL_MESSAGING', 0],
    ['SOCIAL_MESSAGING', -5],
    ['SOCIAL_MESSAGING', 2_419_201],
    ['LIVE_CHAT_RETURNING', 2_419_201],
  ] as const)('refuses %s with %p seconds', (kind, closeAfterSolvedSeconds) =>
    expectRefused(
      CreateConversationStyleDocument,
      { input: { name: `${kind} ${closeAfterSolvedSeconds}`, kind, closeAfterSolvedSeconds } },
      'BAD_USER_INPUT',
    ),
  );

  it.each([
    ['LIVE_CHAT', 0],
    ['LIVE_CHAT_RETURNING', 1],
    ['SOCIAL_MESSAGING', 2_419_200],
  ] as const)('accepts %s with %p seconds', async (kind, closeAfterSolvedSeconds) => {
    const res = await t.client.ok(
      CreateConversationStyleDocument,
      { input: { name: `ok ${kind} ${closeAfterSolvedSeconds}`, kind, closeAfterSolvedSeconds } },
      t.adminToken,
    );
    expect(res.createConversationStyle.closeAfterSolvedSeconds).toBe(closeAfterSolvedSeconds);
  });

  it('refuses a name already used, ignoring case', () =>
    expectRefused(
      CreateConversationStyleDocument,
      { input: { name: 'SOCIAL MESSAGING', kind: 'SOCIAL_MESSAGING' } },
      'BAD_USER_INPUT',
    ));

  it("checks an update against the style's own kind", async () => {
    await expectRefused(
      UpdateConversationStyleDocument,
      { id: liveChatStyleId, input: { closeAfterSolvedSeconds: 60 } },
      'BAD_USER_INPUT',
    );
    await expectRefused(
      UpdateConversationStyleDocument,
      { id: socialStyleId, input: { closeAfterSolvedSeconds: 2_419_201 } },
      'BAD_USER_INPUT',
    );
    await expectRefused(
      UpdateConversationStyleDocument,
      { id: socialStyleId, input: { name: '  ' } },
      'BAD_USER_INPUT',
    );
    await expectRefused(
      UpdateConversationStyleDocument,
      { id: socialStyleId, input: { name: 'live chat' } },
      'BAD_USER_INPUT',
    );
  });
});

describe('channel input', () => {
  it.each([UNKNOWN_ID, 'not-an-id'])('refuses a channel whose style %p does not exist', (styleId) =>
    expectRefused(CreateChannelDocument, { input: { kind: 'SMS', name: 'SMS', styleId } }, 'BAD_USER_INPUT'),
  );

  it('refuses bad names and skills, on create and update', async () => {
    await expectRefused(
      CreateChannelDocument,
      { input: { kind: 'SMS', name: '', styleId: socialStyleId } },
      'BAD_USER_INPUT',
    );
    await expectRefused(
      CreateChannelDocument,
      { input: { kind: 'SMS', name: 'SMS', styleId: socialStyleId, requiredSkills: ['Not OK'] } },
      'BAD_USER_INPUT',
    );
    await expectRefused(
      UpdateChannelDocument,
      { id: channelId, input: { styleId: UNKNOWN_ID } },
      'BAD_USER_INPUT',
    );
    await expectRefused(UpdateChannelDocument, { id: channelId, input: { styleId: null } }, 'BAD_USER_INPUT');
  });
});

describe('routing settings input', () => {
  it.each([4, 3601, 0, -30])('refuses offerTimeoutSeconds %p', (offerTimeoutSeconds) =>
    expectRefused(UpdateRoutingSettingsDocument, { input: { offerTimeoutSeconds } }, 'BAD_USER_INPUT'),
  );

  it.each([5, 3600])('accepts offerTimeoutSeconds %p', async (offerTimeoutSeconds) => {
    const res = await t.client.ok(
      UpdateRoutingSettingsDocument,
      { input: { offerTimeoutSeconds } },
      t.adminToken,
    );
    expect(res.updateRoutingSettings.offerTimeoutSeconds).toBe(offerTimeoutSeconds);
  });
});

describe('unknown ids', () => {
  it.each([UNKNOWN_ID, 'not-a-uuid', ''])('answer NOT_FOUND for %p', async (id) => {
    await expectRefused(AgentDocument, { id }, 'NOT_FOUND');
    await expectRefused(UpdateAgentDocument, { id, input: { name: 'Ghost' } }, 'NOT_FOUND');
    await expectRefused(SetAgentStatusOfDocument, { agentId: id, status: 'ONLINE' }, 'NOT_FOUND');
    await expectRefused(UpdateConversationStyleDocument, { id, input: { name: 'Ghost' } }, 'NOT_FOUND');
    await expectRefused(UpdateChannelDocument, { id, input: { name: 'Ghost' } }, 'NOT_FOUND');
  });
});
