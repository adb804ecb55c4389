import { getOperationAST, parse } from 'graphql';
import type { Principal } from '../domain/auth/principal';
import { ManualClock } from '../domain/clock';
import { MutationRateLimiter } from './rate-limits';

const integration: Principal = { role: 'INTEGRATION', channelId: 'c1', tokenId: 't1' };
const agent: Principal = { role: 'AGENT', agentId: 'a1', tokenId: 't2' };

function check(limiter: MutationRateLimiter, source: string, principal: Principal = integration) {
  const document = parse(source);
  return limiter.check(principal, document, getOperationAST(document)!);
}

describe('MutationRateLimiter buckets', () => {
  it.each([
    ['receiveMessage', 'messages'],
    ['updateMessageDelivery', 'messages'],
    ['createWebhookEndpoint', 'mutations'],
    ['sendMessage', 'mutations'],
  ])('%s draws on the %s bucket', (field, bucket) => {
    // One token in each bucket, never refilled: a second call refuses only from the same bucket.
    const limiter = new MutationRateLimiter(
      { messages: { perSecond: 0.000001, burst: 1 }, mutations: { perSecond: 0.000001, burst: 1 } },
      new ManualClock(),
    );
    expect(check(limiter, `mutation { ${field} }`)).toBeNull();
    const other = bucket === 'messages' ? 'rotateWebhookSecret' : 'receiveMessage';
    expect(check(limiter, `mutation { ${other} }`)).toBeNull();
    const refused = check(limiter, `mutation { ${field} }`);
    expect(refused?.extensions.code).toBe('RATE_LIMITED');
  });
});

describe('MutationRateLimiter typing bucket', () => {
  // One token in each bucket, never refilled.
  const once = { perSecond: 0.000001, burst: 1 };

  it.each<[string, Principal, string, string]>([
    // [who, principal, another field from the same bucket, a field from another bucket]
    ['an agent', agent, 'setTyping', 'sendMessage'],
    ['an integration', integration, 'receiveMessage', 'createWebhookEndpoint'],
  ])("%s's setTyping draws on its own bucket", (_who, principal, same, other) => {
    const limiter = new MutationRateLimiter(
      { messages: once, mutations: once, typing: once },
      new ManualClock(),
    );
    expect(check(limiter, 'mutation { setTyping }', principal)).toBeNull();
    expect(check(limiter, `mutation { ${other} }`, principal)).toBeNull();
    const refused = check(limiter, `mutation { ${same} }`, principal);
    expect(refused?.extensions.code).toBe('RATE_LIMITED');
  });

  it('refuses an agent past its burst of setTyping, then lets it through once a token has refilled', () => {
    const clock = new ManualClock();
    const limiter = new MutationRateLimiter(
      { messages: null, mutations: null, typing: { perSecond: 5, burst: 10 } },
      clock,
    );
    for (let i = 0; i < 10; i++) expect(check(limiter, 'mutation { setTyping }', agent)).toBeNull();
    const refused = check(limiter, 'mutation { setTyping }', agent);
    expect(refused?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    expect(refused?.message).toContain('setTyping');
    clock.advance(0.2);
    expect(check(limiter, 'mutation { setTyping }', agent)).toBeNull();
  });

  it('leaves setTyping unlimited when no typing bucket is configured', () => {
    const limiter = new MutationRateLimiter({ messages: null, mutations: once }, new ManualClock());
    for (let i = 0; i < 50; i++) expect(check(limiter, 'mutation { setTyping }', agent)).toBeNull();
  });
});
