import { DomainError } from '../domain/errors';
import { decodeCursor, encodeCursor, pageRequest, validateFirst } from './pagination';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return [error.code, error.field];
    throw error;
  }
  return null;
};

describe('pageRequest(first, last): one end of the window, and how many', () => {
  it.each([
    ['neither: the first 50', undefined, undefined, { from: 'start', size: 50 }],
    ['nulls are absent', null, null, { from: 'start', size: 50 }],
    ['first', 10, null, { from: 'start', size: 10 }],
    ['first: 0', 0, undefined, { from: 'start', size: 0 }],
    ['first: 100', 100, undefined, { from: 'start', size: 100 }],
    ['last: the newest end', null, 10, { from: 'end', size: 10 }],
    ['last: 0', undefined, 0, { from: 'end', size: 0 }],
    ['last: 100', undefined, 100, { from: 'end', size: 100 }],
  ] as const)('%s', (_case, first, last, expected) => {
    expect(pageRequest(first, last)).toEqual(expected);
  });

  it.each([
    ['first: -1', -1, null, 'first'],
    ['first: 101', 101, null, 'first'],
    ['first: 1.5', 1.5, null, 'first'],
    ['last: -1', null, -1, 'last'],
    ['last: 101', null, 101, 'last'],
    ['last: 2.5', null, 2.5, 'last'],
    ['both', 10, 10, 'last'],
    ['both, even 0', 0, 0, 'last'],
  ] as const)('refuses %s, naming the argument', (_case, first, last, field) => {
    expect(refusal(() => pageRequest(first, last))).toEqual(['BAD_USER_INPUT', field]);
  });

  it('validateFirst keeps its fallback', () => {
    expect(validateFirst(undefined, 100)).toBe(100);
    expect(refusal(() => validateFirst(-1))).toEqual(['BAD_USER_INPUT', 'first']);
  });
});

describe('cursors', () => {
  const isNumber = (parts: unknown[]): parts is [number] =>
    parts.length === 1 && typeof parts[0] === 'number';

  it('round-trips', () => {
    expect(decodeCursor<[number]>('after', encodeCursor([7]), isNumber)).toEqual([7]);
    expect(decodeCursor<[number]>('before', encodeCursor([7]), isNumber)).toEqual([7]);
  });

  it.each([
    ['after', 'not base64 json'],
    ['before', 'not base64 json'],
    ['before', encodeCursor(['x'])],
    ['after', Buffer.from('{"a":1}').toString('base64url')],
  ] as const)('a malformed %s cursor is refused naming %s', (argument, cursor) => {
    expect(refusal(() => decodeCursor(argument, cursor, isNumber))).toEqual(['BAD_USER_INPUT', argument]);
  });
});
