import { WebhookDeliveryStatus } from './webhook.enums';

/** No retry waits longer than an hour, however many attempts failed. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;
/**
 * Each delay is spread ±20% around its nominal value, so the deliveries that failed together (an
 * endpoint that was down) do not all come back in the same instant.
 */
export const RETRY_JITTER = 0.2;

export interface RetryPolicy {
  /** The delay after the first failed attempt; each later one doubles (PARLEY_WEBHOOK_RETRY_BASE_MS). */
  readonly retryBaseMs: number;
  /** Attempts in all, the first included (PARLEY_WEBHOOK_MAX_ATTEMPTS). */
  readonly maxAttempts: number;
}

/** A number in [0, 1): Math.random in the server, fixed values in tests. */
export type RandomSource = () => number;

/**
 * The wait after attempt `attempt` (1 = the first) failed: retryBase·2^(attempt−1), ±20%, at most
 * an hour.
 */
export function retryDelayMs(attempt: number, retryBaseMs: number, random: RandomSource): number {
  const nominal = Math.min(MAX_RETRY_DELAY_MS, retryBaseMs * 2 ** Math.max(0, attempt - 1));
  const factor = 1 - RETRY_JITTER + 2 * RETRY_JITTER * Math.min(1, Math.max(0, random()));
  return Math.min(MAX_RETRY_DELAY_MS, Math.round(nominal * factor));
}

export type AfterFailure =
  | { readonly status: WebhookDeliveryStatus.PENDING; readonly nextAttemptAt: Date }
  | { readonly status: WebhookDeliveryStatus.GAVE_UP; readonly nextAttemptAt: null };

/**
 * Where a delivery stands once attempt number `attempts` has failed at `now`: due again after the
 * delay, or GAVE_UP once it has had its maxAttempts.
 */
export function afterFailedAttempt(
  attempts: number,
  policy: RetryPolicy,
  now: Date,
  random: RandomSource,
): AfterFailure {
  if (attempts >= policy.maxAttempts) return { status: WebhookDeliveryStatus.GAVE_UP, nextAttemptAt: null };
  return {
    status: WebhookDeliveryStatus.PENDING,
    nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts, policy.retryBaseMs, random)),
  };
}

/** An endpoint whose deliveries have all given up for this long, none delivered since, is disabled. */
export const DISABLE_FAILING_AFTER_MS = 24 * 60 * 60 * 1000;

/** The disabledReason it is given (enabling it again by hand clears it). */
export function failingDisabledReason(failingSince: Date): string {
  return `disabled: every delivery has given up since ${failingSince.toISOString()} (24 h without a 2xx answer)`;
}

/** failing_since at or before this means the endpoint is to be disabled at `now`. */
export function failingCutoff(now: Date): Date {
  return new Date(now.getTime() - DISABLE_FAILING_AFTER_MS);
}

/** Whether an endpoint failing since `failingSince` (null: not failing) is disabled at `now`. */
export function failingTooLong(failingSince: Date | null, now: Date): boolean {
  return failingSince !== null && failingSince.getTime() <= failingCutoff(now).getTime();
}
