import { ADMIN, ANONYMOUS, type Principal } from '../auth/principal';
import {
  disabledByReason,
  endpointChannel,
  normalizeKinds,
  seesWebhookEndpoint,
  storedWebhookUrl,
} from './webhook-endpoint.rules';

const agent: Principal = { role: 'AGENT', agentId: 'a', tokenId: 't1' };
const integration: Principal = { role: 'INTEGRATION', channelId: 'c1', tokenId: 't2' };

const codeOf = (run: () => unknown): string | null => {
  try {
    run();
    return null;
  } catch (error) {
    return (error as { code?: string }).code ?? 'thrown';
  }
};

describe('seesWebhookEndpoint', () => {
  it.each([
    ['an admin, a channel’s endpoint', ADMIN, 'c2', true],
    ['an admin, an all-channels endpoint', ADMIN, null, true],
    ['an integration, its own channel’s', integration, 'c1', true],
    ['an integration, another channel’s', integration, 'c2', false],
    ['an integration, an all-channels endpoint', integration, null, false],
    ['an agent', agent, 'c1', false],
    ['nobody signed in', ANONYMOUS, 'c1', false],
  ] as const)('%s', (_case, principal, channelId, expected) => {
    expect(seesWebhookEndpoint(principal, channelId)).toBe(expected);
  });
});

describe('endpointChannel', () => {
  it.each([
    ['an admin naming a channel', ADMIN, 'c2', 'c2'],
    ['an admin naming none: every channel', ADMIN, undefined, null],
    ['an admin passing null: every channel', ADMIN, null, null],
    ['an integration naming none: its own', integration, undefined, 'c1'],
    ['an integration passing null: its own', integration, null, 'c1'],
    ['an integration naming its own', integration, 'c1', 'c1'],
    ['an integration naming its own in capitals', integration, 'C1', 'c1'],
  ] as const)('%s', (_case, principal, requested, expected) => {
    expect(endpointChannel(principal, requested)).toBe(expected);
  });

  it.each([
    ['an integration naming another channel', integration, 'c2'],
    ['an agent', agent, undefined],
    ['nobody signed in', ANONYMOUS, 'c1'],
  ] as const)('refuses %s with FORBIDDEN', (_case, principal, requested) => {
    expect(codeOf(() => endpointChannel(principal, requested))).toBe('FORBIDDEN');
  });
});

describe('normalizeKinds', () => {
  const order = ['CREATED', 'ASSIGNED', 'MESSAGE_ADDED'] as const;
  it.each([
    ['none: every kind', undefined, []],
    ['null: every kind', null, []],
    ['empty: every kind', [], []],
    ['one', ['ASSIGNED'], ['ASSIGNED']],
    ['repeated: once', ['ASSIGNED', 'ASSIGNED'], ['ASSIGNED']],
    ['out of order: the enum’s order', ['MESSAGE_ADDED', 'CREATED'], ['CREATED', 'MESSAGE_ADDED']],
  ] as const)('%s', (_case, kinds, expected) => {
    expect(normalizeKinds(kinds as readonly (typeof order)[number][] | null | undefined, order)).toEqual(
      expected,
    );
  });
});

describe('storedWebhookUrl', () => {
  it.each([
    ['HTTPS://Hooks.Example.COM/Parley', 'https://hooks.example.com/Parley'],
    ['https://example.com', 'https://example.com/'],
    ['  http://[::1]:3000/x?y=z  ', 'http://[::1]:3000/x?y=z'],
    ['https://bücher.example/hook', 'https://xn--bcher-kva.example/hook'],
  ])('keeps %j as %j', (raw, href) => {
    expect(storedWebhookUrl('input.url', raw).href).toBe(href);
  });

  it.each([
    ['too long once encoded', `https://example.com/${'é'.repeat(1_000)}`],
    ['too long as typed', `https://example.com/${'a'.repeat(2_048)}`],
    ['ftp', 'ftp://example.com/'],
    ['relative', '/hook'],
    ['with credentials', 'https://user:secret@example.com/'],
  ])('refuses a URL %s with BAD_USER_INPUT', (_case, raw) => {
    expect(() => storedWebhookUrl('input.url', raw)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.url' }),
    );
  });
});

describe('disabledByReason', () => {
  it.each([
    [ADMIN, 'disabled by admin'],
    [integration, 'disabled by integration'],
  ] as const)('%j', (principal, reason) => {
    expect(disabledByReason(principal)).toBe(reason);
  });
});
