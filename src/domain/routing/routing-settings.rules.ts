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
