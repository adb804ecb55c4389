import { ADMIN, ANONYMOUS, type Principal } from './principal';
import { seesAgents, seesChannel, seesInternalNotes, seesMessage, seesSla } from './visibility';

const agent: Principal = { role: 'AGENT', agentId: 'a', tokenId: 't1' };
const integration: Principal = { role: 'INTEGRATION', channelId: 'c1', tokenId: 't2' };

describe('seesChannel', () => {
  it.each([
    ['an admin, any channel', ADMIN, 'c2', true],
    ['an agent, any channel', agent, 'c2', true],
    ['an integration, its own channel', integration, 'c1', true],
    ["an integration, another channel's", integration, 'c2', false],
  ] as const)('%s', (_case, principal, channelId, expected) => {
    expect(seesChannel(principal, channelId)).toBe(expected);
  });
});

describe('seesAgents', () => {
  it.each([
    ['an admin', ADMIN, true],
    ['an agent', agent, true],
    ['an integration', integration, false],
    ['nobody signed in', ANONYMOUS, false],
  ] as const)('%s', (_case, principal, expected) => {
    expect(seesAgents(principal)).toBe(expected);
  });
});

describe('seesInternalNotes', () => {
  it.each([
    ['an admin', ADMIN, true],
    ['an agent', agent, true],
    ['an integration', integration, false],
    ['nobody signed in', ANONYMOUS, false],
  ] as const)('%s', (_case, principal, expected) => {
    expect(seesInternalNotes(principal)).toBe(expected);
  });
});

describe('seesSla', () => {
  it.each([
    ['an admin', ADMIN, true],
    ['an agent', agent, true],
    ['an integration', integration, false],
    ['nobody signed in', ANONYMOUS, false],
  ] as const)('%s', (_case, principal, expected) => {
    expect(seesSla(principal)).toBe(expected);
  });
});

describe('seesMessage', () => {
  it.each([
    ['an admin, a note on any channel', ADMIN, 'c2', true, true],
    ['an agent, a note', agent, 'c1', true, true],
    ['an integration, a public message of its channel', integration, 'c1', false, true],
    ['an integration, a note on its own channel', integration, 'c1', true, false],
    ["an integration, another channel's public message", integration, 'c2', false, false],
    ['nobody signed in, a public message', ANONYMOUS, 'c1', false, true],
  ] as const)('%s', (_case, principal, channelId, internal, expected) => {
    expect(seesMessage(principal, { channelId, internal })).toBe(expected);
  });
});
