import { badInput } from '../domain/errors';

export const MAX_PAGE_SIZE = 100;
/** A page's size when the caller gives neither `first` nor `last`. */
export const DEFAULT_PAGE_SIZE = 50;

export interface Page<T> {
  items: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** Which end of the (cursor-bounded) list a page is taken from, and how many items. */
export interface PageRequest {
  /** `first`: the oldest items of the window, read ascending; `last`: its newest, read descending. */
  from: 'start' | 'end';
  size: number;
}

function validateSize(argument: 'first' | 'last', value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
    throw badInput(argument, `${argument} must be a whole number from 0 to ${MAX_PAGE_SIZE}`);
  }
  return value;
}

export function validateFirst(first: number | null | undefined, fallback = DEFAULT_PAGE_SIZE): number {
  return validateSize('first', first ?? fallback);
}

/**
 * `first` or `last` (the Relay connection spec). Both at once is refused rather than given the
 * spec's meaning (the first n of the window, then the last m of those), which no client means.
 */
export function pageRequest(first: number | null | undefined, last: number | null | undefined): PageRequest {
  if (first !== null && first !== undefined && last !== null && last !== undefined) {
    throw badInput('last', 'Pass first (a page from the oldest end) or last (from the newest end), not both');
  }
  if (last !== null && last !== undefined) return { from: 'end', size: validateSize('last', last) };
  return { from: 'start', size: validateFirst(first) };
}

/** Cursors are opaque to clients: base64url of a small JSON tuple. */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** `argument` is the one the cursor came in (`after` or `before`), named by the refusal. */
export function decodeCursor<T extends readonly unknown[]>(
  argument: 'after' | 'before',
  cursor: string,
  check: (parts: unknown[]) => parts is [...T],
): T {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && check(parts)) return parts as unknown as T;
  } catch {
    // fall through: not one of ours
  }
  throw badInput(argument, `${argument} is not a cursor this server issued`);
}
