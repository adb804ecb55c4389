import { badInput } from '../errors';

export const MAX_MESSAGE_LENGTH = 10_000;

/** docs/domain.md "Messages and ingestion": 1 to 10,000 characters after trimming (counted in Unicode code points, as people count). */
export function normalizeBody(field: string, body: string): string {
  const trimmed = body.trim();
  const length = [...trimmed].length;
  if (length === 0) throw badInput(field, `${field} must not be empty`);
  if (length > MAX_MESSAGE_LENGTH)
    throw badInput(field, `${field} must be at most ${MAX_MESSAGE_LENGTH} characters`);
  return trimmed;
}

const MAX_EXTERNAL_ID_LENGTH = 255;

/** Ids that partners give us (end user on their platform, their message id): opaque, bounded. */
export function normalizeExternalId(field: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw badInput(field, `${field} must not be empty`);
  if (trimmed.length > MAX_EXTERNAL_ID_LENGTH)
    throw badInput(field, `${field} must be at most ${MAX_EXTERNAL_ID_LENGTH} characters`);
  return trimmed;
}
