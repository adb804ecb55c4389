/** A bucket's settings: refilled at `perSecond`, holding at most `burst`. */
export interface BucketRate {
  perSecond: number;
  burst: number;
}

export interface BucketState {
  tokens: number;
  /** When `tokens` was last brought up to date, in ms since the epoch. */
  atMs: number;
}

export type TakeResult =
  { allowed: true; state: BucketState } | { allowed: false; state: BucketState; retryAfterMs: number };

/**
 * Takes `cost` tokens from a bucket at `nowMs` (a new caller starts full). Refused, the bucket is
 * unchanged but for its refill, and the answer says how long until `cost` tokens are there.
 */
export function take(rate: BucketRate, state: BucketState | undefined, nowMs: number, cost = 1): TakeResult {
  const elapsed = state ? Math.max(0, nowMs - state.atMs) : 0;
  const tokens = state ? Math.min(rate.burst, state.tokens + (elapsed * rate.perSecond) / 1000) : rate.burst;
  if (tokens >= cost) return { allowed: true, state: { tokens: tokens - cost, atMs: nowMs } };
  const retryAfterMs = cost > rate.burst ? Infinity : Math.ceil(((cost - tokens) * 1000) / rate.perSecond);
  return { allowed: false, state: { tokens, atMs: nowMs }, retryAfterMs };
}

/** Whether a bucket left alone since `state` is full again, so forgetting it changes nothing. */
export function isFull(rate: BucketRate, state: BucketState, nowMs: number): boolean {
  return state.tokens + ((nowMs - state.atMs) * rate.perSecond) / 1000 >= rate.burst;
}

/** Gives back `amount` tokens taken for something that turned out not to count, up to the burst. */
export function refund(rate: BucketRate, state: BucketState, nowMs: number, amount = 1): BucketState {
  const elapsed = Math.max(0, nowMs - state.atMs);
  const tokens = Math.min(rate.burst, state.tokens + (elapsed * rate.perSecond) / 1000 + amount);
  return { tokens, atMs: nowMs };
}
