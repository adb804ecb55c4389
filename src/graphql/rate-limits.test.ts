import { getOperationAST, parse } from 'graphql';
import type { Principal } from '../domain/auth/principal';
import { ManualClock } from '../domain/clock';
import { MutationRateLimiter } from './rate-limits';

const integration: Principal = { role: 'INTEGRATION', channelId: 'c1', tokenId: 't1' };

function check(limiter: MutationRateLimiter, source: string) {
  const document = parse(source);
  return limiter.check(integration, document, getOperationAST(document)!);
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
