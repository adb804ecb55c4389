import {
  comparePositions,
  decodeStreamCursor,
  encodeStreamCursor,
  positionOf,
  STREAM_START,
} from './stream-position';

describe('stream positions', () => {
  it.each([
    [positionOf(1, 1), positionOf(1, 1), 0],
    [positionOf(1, 2), positionOf(1, 1), 1],
    [positionOf(1, 9), positionOf(2, 1), -1], // the transaction id decides before the id
    [positionOf(3, 1), positionOf(2, 99), 1],
    [STREAM_START, positionOf(0, 1), -1],
  ])('compares %p with %p as %p', (a, b, expected) => {
    expect(Math.sign(comparePositions(a, b))).toBe(expected);
  });

  it.each([STREAM_START, positionOf(748, 12), positionOf('18446744073709551615', '9223372036854775807')])(
    'round-trips %p through a cursor',
    (position) => {
      expect(decodeStreamCursor(encodeStreamCursor(position))).toEqual(position);
    },
  );

  it('makes cursors that do not look like numbers', () => {
    expect(encodeStreamCursor(positionOf(748, 12))).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encodeStreamCursor(positionOf(748, 12))).not.toContain('748');
  });

  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['garbage', b64('hello')],
    ['another version', b64('s2:1:1')],
    ['a missing part', b64('s1:1')],
    ['an extra part', b64('s1:1:2:3')],
    ['a negative number', b64('s1:-1:2')],
    ['a leading zero', b64('s1:01:2')],
    ['not a number', b64('s1:x:2')],
    ['past 64 bits', b64('s1:18446744073709551616:2')],
    ['too long', 'A'.repeat(65)],
    ['a ticket cursor', b64('["2026-01-01T00:00:00.000Z","x"]')],
  ])('refuses %s as BAD_USER_INPUT naming the field', (_name, cursor) => {
    expect(() => decodeStreamCursor(cursor)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }),
    );
  });
});
