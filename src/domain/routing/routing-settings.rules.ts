import { badInput } from '../errors';

export const DEFAULT_OFFER_TIMEOUT_SECONDS = 30;
export const MIN_OFFER_TIMEOUT_SECONDS = 5;
export const MAX_OFFER_TIMEOUT_SECONDS = 3_600;

export function validateOfferTimeoutSeconds(field: string, seconds: number): number {
  if (
    !Number.isInteger(seconds) ||
    seconds < MIN_OFFER_TIMEOUT_SECONDS ||
    seconds > MAX_OFFER_TIMEOUT_SECONDS
  ) {
    throw badInput(
      field,
      `${field} must be a whole number from ${MIN_OFFER_TIMEOUT_SECONDS} to ${MAX_OFFER_TIMEOUT_SECONDS}`,
    );
  }
  return seconds;
}

/**
 * awayAfterDisconnectSeconds, reassignAfterOfflineSeconds and skillsTimeoutSeconds: null means
 * never; 0 means at once. Thirty days is far past any shift, so a larger value is a typo.
 */
export const MAX_ROUTING_DELAY_SECONDS = 2_592_000;

export function validateRoutingDelaySeconds(field: string, seconds: number | null): number | null {
  if (seconds === null) return null;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_ROUTING_DELAY_SECONDS) {
    throw badInput(
      field,
      `${field} must be null (never) or a whole number from 0 to ${MAX_ROUTING_DELAY_SECONDS} (30 days)`,
    );
  }
  return seconds;
}
