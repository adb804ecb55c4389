import type { AuthLimits } from '../config/limits';
import { ManualClock } from '../domain/clock';
import { AuthThrottledError, FailedAuthThrottle } from './failed-auth.throttle';

const GOOD = 'good-digest';
const ALICE = '203.0.113.1';
const BOB = '203.0.113.2';

function setup(
  limits: Pick<AuthLimits, 'failures' | 'negativeCacheMs'> = {
    failures: { perSecond: 1, burst: 3 },
    negativeCacheMs: 30_000,
  },
) {
  const clock = new ManualClock('2026-03-01T09:00:00.000Z');
  const throttle = new FailedAuthThrottle(limits, clock);
  const lookups: string[] = [];
  // Stands in for the database: only GOOD is a live token.
  const find = (digest: string) => async () => {
    lookups.push(digest);
    return digest === GOOD ? 'principal' : null;
  };
  const check = (digest: string, client: string | undefined = ALICE) =>
    throttle.lookup(digest, client, find(digest));
  return { clock, throttle, lookups, check };
}

async function refusal(promise: Promise<unknown>): Promise<AuthThrottledError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(AuthThrottledError);
  return error as AuthThrottledError;
}

describe('FailedAuthThrottle', () => {
  it('refuses an address past its budget of failures, without a lookup, with the wait for a refill', async () => {
    const { check, lookups } = setup();
    for (let i = 0; i < 3; i++) expect(await check(`guess-${i}`)).toBeNull();
    expect(lookups).toHaveLength(3);
    const error = await refusal(check('guess-3'));
    expect(error.retryAfterSeconds).toBe(1);
    // A guess already known wrong is refused too, and neither was looked up.
    await refusal(check('guess-0'));
    expect(lookups).toHaveLength(3);
  });

  it('answers a known-wrong token from memory until its entry expires', async () => {
    const { check, lookups, clock } = setup({ failures: null, negativeCacheMs: 30_000 });
    for (let i = 0; i < 5; i++) expect(await check('wrong')).toBeNull();
    expect(lookups).toEqual(['wrong']);
    clock.advance(31);
    expect(await check('wrong')).toBeNull();
    expect(lookups).toEqual(['wrong', 'wrong']);
  });

  it('counts only failures: good tokens neither spend the budget nor are refused past it', async () => {
    const { check } = setup();
    for (let i = 0; i < 10; i++) expect(await check(GOOD)).toBe('principal');
    for (let i = 0; i < 3; i++) await check(`guess-${i}`);
    await refusal(check('guess-3'));
    // Seen good before: still looked up, and served.
    expect(await check(GOOD)).toBe('principal');
  });

  it('keeps addresses apart', async () => {
    const { check, throttle } = setup();
    for (let i = 0; i < 3; i++) await check(`guess-${i}`, ALICE);
    await refusal(check('guess-3', ALICE));
    expect(await check('guess-4', BOB)).toBeNull();
    // A caller without an address (none known) is never throttled.
    expect(await throttle.lookup('guess-5', undefined, async () => null)).toBeNull();
  });

  it('refills with the injected clock', async () => {
    const { check, clock } = setup();
    for (let i = 0; i < 3; i++) await check(`guess-${i}`);
    await refusal(check('guess-3'));
    clock.advance(1);
    expect(await check('guess-3')).toBeNull();
    await refusal(check('guess-4'));
  });

  it('bounds lookups of wrong tokens by the budget however many run at once', async () => {
    const { check, lookups } = setup();
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => check(`guess-${i}`)));
    expect(lookups).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(47);
  });

  it('lets a token issued here work at once, even after a guess of it was cached as wrong', async () => {
    const { check, throttle, lookups } = setup();
    const digest = 'issued-later';
    expect(await check(digest)).toBeNull();
    throttle.issued(digest);
    // The stand-in database now knows it: as the real one does once the issuing transaction commits.
    expect(await throttle.lookup(digest, ALICE, async () => 'principal')).toBe('principal');
    expect(lookups).toEqual([digest]);
  });

  it('stops exempting a once-good token when it fails (revoked), and counts the failure', async () => {
    const { throttle, lookups, check } = setup({
      failures: { perSecond: 1, burst: 1 },
      negativeCacheMs: 30_000,
    });
    expect(await check(GOOD)).toBe('principal');
    expect(await throttle.lookup(GOOD, ALICE, async () => null)).toBeNull();
    await refusal(check(GOOD));
    expect(lookups).toEqual([GOOD]);
  });

  it('gives the budget back when the lookup itself fails (the database, not the token)', async () => {
    const { throttle, check } = setup({ failures: { perSecond: 1, burst: 1 }, negativeCacheMs: 30_000 });
    const down = new Error('connection refused');
    await expect(throttle.lookup('guess', ALICE, () => Promise.reject(down))).rejects.toBe(down);
    expect(await check('guess')).toBeNull();
  });

  it('counts a malformed Authorization value as a failure', async () => {
    const { throttle, check } = setup({ failures: { perSecond: 1, burst: 1 }, negativeCacheMs: 30_000 });
    throttle.failed(ALICE);
    await refusal(check('guess'));
    expect(() => throttle.failed(ALICE)).toThrow(AuthThrottledError);
  });
});
