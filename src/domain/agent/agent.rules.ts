import { badInput } from '../errors';

export enum AgentStatus {
  ONLINE = 'ONLINE',
  AWAY = 'AWAY',
  OFFLINE = 'OFFLINE',
}

export const DEFAULT_CAPACITY = 2;
export const MAX_CAPACITY = 100;
const MAX_EMAIL_LENGTH = 254;
// Deliberately simple: one @, no spaces, a dot in the domain. RFC 5322 in full accepts addresses no
// helpdesk wants (quoted locals, IP literals) and rejects nothing a typo produces.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function normalizeEmail(field: string, email: string): string {
  const trimmed = email.trim();
  if (trimmed.length > MAX_EMAIL_LENGTH || !EMAIL_PATTERN.test(trimmed)) {
    throw badInput(field, `${field}: ${JSON.stringify(email)} is not a well-formed email address`);
  }
  return trimmed;
}

/** Capacity 0 is legal and means "never routed to" (docs/domain.md "Capacity"). */
export function validateCapacity(field: string, capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 0 || capacity > MAX_CAPACITY) {
    throw badInput(field, `${field} must be a whole number from 0 to ${MAX_CAPACITY}`);
  }
  return capacity;
}
