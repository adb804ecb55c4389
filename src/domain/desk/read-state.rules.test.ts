import { ADMIN, ANONYMOUS, type Principal } from '../auth/principal';
import { DomainError } from '../errors';
import { checkUpToSequence, readerOf, requireReader } from './read-state.rules';

const agent: Principal = { role: 'AGENT', agentId: 'a1', tokenId: 't1' };
const integration: Principal = { role: 'INTEGRATION', channelId: 'c1', tokenId: 't2' };

describe('who keeps read state (docs/domain.md "Read state")', () => {
  it.each<[string, Principal, string | null]>([
    ['an agent: its own marks', agent, 'a1'],
    ['an admin: none', ADMIN, null],
    ['an integration: none', integration, null],
    ['nobody signed in: none', ANONYMOUS, null],
  ])('%s', (_case, principal, expected) => {
    expect(readerOf(principal)).toBe(expected);
    if (expected === null) {
      expect(() => requireReader(principal)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    } else {
      expect(requireReader(principal)).toBe(expected);
    }
  });
});

describe('checkUpToSequence', () => {
  it.each<[string, number, number | null]>([
    ['0: nothing read', 0, null],
    ['0 on a ticket of 5', 0, 5],
    ['the last message', 5, 5],
    ['one in the middle', 3, 5],
    ['any whole number before the ticket is known', 1_000, null],
  ])('accepts %s', (_case, upTo, last) => {
    expect(() => checkUpToSequence(upTo, last)).not.toThrow();
  });

  it.each<[string, number, number | null]>([
    ['a negative sequence', -1, null],
    ['a fraction', 1.5, null],
    ['NaN', Number.NaN, null],
    ['past the last message', 6, 5],
    ['anything on a ticket without messages but 0', 1, 0],
  ])('refuses %s with BAD_USER_INPUT naming upToSequence', (_case, upTo, last) => {
    let error: unknown;
    try {
      checkUpToSequence(upTo, last);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'upToSequence' });
  });
});
