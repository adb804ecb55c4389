import { badInput } from '../errors';

/**
 * A change's place in the one ordered stream (docs/domain.md "The event stream"): the log row's
 * stream transaction id (xid8, unsigned 64-bit), then its id (bigserial, signed 64-bit, so never
 * past 2^63 - 1), compared in that order.
 */
export interface StreamPosition {
  readonly xid: bigint;
  readonly id: bigint;
}

/** Before every change: reading after it reads the whole log. */
export const STREAM_START: StreamPosition = { xid: 0n, id: 0n };

const MAX_U64 = 2n ** 64n - 1n;
// ticket_events.id is a bigint: a larger id is no row's, and PostgreSQL refuses it as a bigint.
const MAX_I64 = 2n ** 63n - 1n;
const DIGITS = /^(0|[1-9][0-9]{0,19})$/;
const VERSION = 's1';

export function comparePositions(a: StreamPosition, b: StreamPosition): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

export function isAfter(a: StreamPosition, b: StreamPosition): boolean {
  return comparePositions(a, b) > 0;
}

/** Reads a position from the decimal strings PostgreSQL returns for xid8 and bigint. */
export function positionOf(xid: string | number | bigint, id: string | number | bigint): StreamPosition {
  return { xid: BigInt(xid), id: BigInt(id) };
}

/**
 * Opaque to clients (they pass it back as `after`), and versioned so its shape can change: a
 * cursor of another version or a tampered one is refused rather than read as some other position.
 */
export function encodeStreamCursor(position: StreamPosition): string {
  return Buffer.from(`${VERSION}:${position.xid}:${position.id}`, 'utf8').toString('base64url');
}

/** The position a cursor names; anything this server could not have issued is BAD_USER_INPUT. */
export function decodeStreamCursor(cursor: string, field = 'after'): StreamPosition {
  const refuse = () => badInput(field, `${field} is not a stream cursor this server issued`);
  if (cursor.length === 0 || cursor.length > 64 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refuse();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // A round trip guards against base64 variants that decode to the same bytes.
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw refuse();
  const [version, xid, id, ...rest] = text.split(':');
  if (version !== VERSION || rest.length > 0 || !xid || !id || !DIGITS.test(xid) || !DIGITS.test(id)) {
    throw refuse();
  }
  const position = positionOf(xid, id);
  if (position.xid > MAX_U64 || position.id > MAX_I64) throw refuse();
  return position;
}
