import { isFull, refund, take, type BucketState } from './token-bucket';

const rate = { perSecond: 10, burst: 3 };

describe('take (token bucket)', () => {
  it('lets a new caller spend its whole burst at once, then refuses with the wait for one token', () => {
    let state: BucketState | undefined;
    for (let i = 0; i < 3; i++) {
      const r = take(rate, state, 1_000);
      expect(r.allowed).toBe(true);
      state = r.state;
    }
    const refused = take(rate, state, 1_000);
    expect(refused).toEqual({ allowed: false, state: { tokens: 0, atMs: 1_000 }, retryAfterMs: 100 });
  });

  it.each([
    // [tokens left, ms later, allowed, retryAfterMs]
    [0, 50, false, 50],
    [0, 100, true, undefined],
    [0.5, 40, false, 10],
    [2, 10_000, true, undefined],
  ])('with %p tokens, %p ms later: allowed %p', (tokens, later, allowed, retryAfterMs) => {
    const r = take(rate, { tokens, atMs: 0 }, later);
    expect(r.allowed).toBe(allowed);
    if (!r.allowed) expect(r.retryAfterMs).toBe(retryAfterMs);
  });

  it('never holds more than the burst, however long the caller was away', () => {
    const r = take(rate, { tokens: 0, atMs: 0 }, 3_600_000);
    expect(r.state.tokens).toBe(2);
  });

  it('refuses a cost larger than the burst for ever', () => {
    const r = take(rate, undefined, 0, 4);
    expect(r).toMatchObject({ allowed: false, retryAfterMs: Infinity });
  });

  it('does not go back in time when the clock does', () => {
    const r = take(rate, { tokens: 1, atMs: 5_000 }, 4_000);
    expect(r).toEqual({ allowed: true, state: { tokens: 0, atMs: 4_000 } });
  });

  it('says when a bucket is full again', () => {
    expect(isFull(rate, { tokens: 0, atMs: 0 }, 299)).toBe(false);
    expect(isFull(rate, { tokens: 0, atMs: 0 }, 300)).toBe(true);
  });
});

describe('refund', () => {
  it('gives a taken token back, so taking and refunding leaves the bucket as it was', () => {
    const taken = take(rate, { tokens: 1, atMs: 0 }, 0);
    expect(taken.allowed).toBe(true);
    expect(refund(rate, taken.state, 0)).toEqual({ tokens: 1, atMs: 0 });
  });

  it('refills first, and never beyond the burst', () => {
    expect(refund(rate, { tokens: 1.5, atMs: 0 }, 100)).toEqual({ tokens: 3, atMs: 100 });
    expect(refund(rate, { tokens: 0, atMs: 0 }, 50)).toEqual({ tokens: 1.5, atMs: 50 });
  });
});
