import { LRUCache } from 'lru-cache';
import type { AuthLimits } from '../config/limits';
import type { Clock } from '../domain/clock';
import { refund, take, type BucketState } from '../domain/rate-limit/token-bucket';

/** Bounds on memory, whatever number of addresses and tokens an attacker brings. */
const MAX_ADDRESSES = 100_000;
const MAX_WRONG_TOKENS = 10_000;
const MAX_GOOD_TOKENS = 10_000;

/** A client address past its budget of failed authentications: refused (429) without a lookup. */
export class AuthThrottledError extends Error {
  readonly retryAfterSeconds: number;

  constructor(retryAfterMs: number) {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(`Too many failed authentications from this address: retry in ${retryAfterSeconds} s.`);
    this.name = 'AuthThrottledError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Failed authentications, per client address (a token bucket), and what they may cost the database.
 *
 * - A token digest that found no live token is remembered (the negative cache, short TTL): asked
 *   again, it fails from memory.
 * - A digest this process has seen good (issued here, or authenticated) is always looked up,
 *   whatever its address's budget: the lookup, not this memory, decides whether it is still valid.
 * - Any other digest is a guess until looked up: its lookup takes one from the address's bucket
 *   first, given back if the token is good. So only failures count, and wrong tokens cost at most
 *   the budget in lookups, however many requests run at once. An address past its budget gets
 *   AuthThrottledError with no lookup, for known-wrong and unknown digests alike.
 *
 * The cost: a good token this process has never seen, sent from an address past its budget (an
 * attacker behind the same NAT), waits for a refill like a guess would, because it cannot be told
 * from one without a lookup.
 */
export class FailedAuthThrottle {
  private readonly buckets = new LRUCache<string, BucketState>({ max: MAX_ADDRESSES });
  private readonly wrong: LRUCache<string, true> | null;
  private readonly good = new LRUCache<string, true>({ max: MAX_GOOD_TOKENS });

  constructor(
    private readonly limits: Pick<AuthLimits, 'failures' | 'negativeCacheMs'>,
    private readonly clock: Clock,
  ) {
    this.wrong =
      limits.negativeCacheMs > 0
        ? new LRUCache<string, true>({
            max: MAX_WRONG_TOKENS,
            ttl: limits.negativeCacheMs,
            // The injected clock, read on every check, so tests can expire entries by moving it.
            ttlResolution: 0,
            perf: { now: () => clock.now().getTime() },
          })
        : null;
  }

  /**
   * Looks `digest` up for `client` (undefined: no address, no budget), within the address's budget.
   * `find` answers null for a token that is not valid; its errors (the database down) are not
   * failed authentications and are passed on.
   */
  async lookup<T>(
    digest: string,
    client: string | undefined,
    find: () => Promise<T | null>,
  ): Promise<T | null> {
    const known = this.good.has(digest);
    if (!known && this.wrong?.has(digest)) {
      this.charge(client);
      return null;
    }
    const reserved = !known && this.charge(client);
    let found: T | null;
    try {
      found = await find();
    } catch (err) {
      if (reserved) this.release(client);
      throw err;
    }
    if (found === null) {
      this.good.delete(digest);
      this.wrong?.set(digest, true);
      if (!reserved) this.charge(client);
    } else {
      this.good.set(digest, true);
      this.wrong?.delete(digest);
      if (reserved) this.release(client);
    }
    return found;
  }

  /** A failure found without a lookup (a malformed Authorization value). */
  failed(client: string | undefined): void {
    this.charge(client);
  }

  /** A token issued in this process: valid from its first use, even if a guess had once matched it. */
  issued(digest: string): void {
    this.wrong?.delete(digest);
    this.good.set(digest, true);
  }

  /** Takes one from the address's bucket, or throws past it; false when nothing is counted. */
  private charge(client: string | undefined): boolean {
    const rate = this.limits.failures;
    if (!rate || client === undefined) return false;
    const result = take(rate, this.buckets.get(client), this.clock.now().getTime());
    this.buckets.set(client, result.state);
    if (!result.allowed) throw new AuthThrottledError(result.retryAfterMs);
    return true;
  }

  private release(client: string | undefined): void {
    const rate = this.limits.failures;
    const state = client === undefined ? undefined : this.buckets.get(client);
    if (rate && client !== undefined && state) {
      this.buckets.set(client, refund(rate, state, this.clock.now().getTime()));
    }
  }
}
