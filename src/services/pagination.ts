import { badInput } from '../domain/errors';

export const MAX_PAGE_SIZE = 100;

export interface Page<T> {
  items: T[];
  cursors: string[];
  hasNextPage: boolean;
}

export function validateFirst(first: number | null | undefined, fallback = 50): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE_SIZE) {
    throw badInput('first', `first must be a whole number from 0 to ${MAX_PAGE_SIZE}`);
  }
  return n;
}

/** Cursors are opaque to clients: base64url of a small JSON tuple. */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor<T extends readonly unknown[]>(
  cursor: string,
  check: (parts: unknown[]) => parts is [...T],
): T {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && check(parts)) return parts as unknown as T;
  } catch {
    // fall through: not one of ours
  }
  throw badInput('after', 'after is not a cursor this server issued');
}
