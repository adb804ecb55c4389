import { badInput } from '../errors';

export const MAX_MESSAGE_LENGTH = 10_000;

/**
 * docs/domain.md "Messages and ingestion": 1 to 10,000 characters after trimming (counted in Unicode
 * code points, as people count); empty only for a message that carries attachments ("Attachments").
 */
export function normalizeBody(field: string, body: string, hasAttachments = false): string {
  const trimmed = body.trim();
  const length = [...trimmed].length;
  if (length === 0 && !hasAttachments) {
    throw badInput(field, `${field} must not be empty (it may be only when the message has attachments)`);
  }
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

export const MAX_CLIENT_MESSAGE_ID_LENGTH = 128;

// Control characters (C0, DEL, C1) and lone surrogates: the first are never part of an id a client
// means, the second cannot be stored as UTF-8, so the id read back would not match the one sent.
const UNFIT_IN_ID = /[\p{Cc}\p{Cs}]/u;

/**
 * docs/domain.md "Messages and ingestion": a client's own id for a reply, matched exactly as sent
 * (never trimmed or folded, or the optimistic message it names would not match what comes back).
 */
export function validateClientMessageId(field: string, value: string): string {
  if (value.trim().length === 0) throw badInput(field, `${field} must not be empty or blank`);
  if ([...value].length > MAX_CLIENT_MESSAGE_ID_LENGTH)
    throw badInput(field, `${field} must be at most ${MAX_CLIENT_MESSAGE_ID_LENGTH} characters`);
  if (UNFIT_IN_ID.test(value))
    throw badInput(field, `${field} must not contain control characters or unpaired surrogates`);
  return value;
}
