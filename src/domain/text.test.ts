import { normalizeName, rejectNull } from './text';

describe('normalizeName', () => {
  it.each([
    ['Ann', 'Ann'],
    ['  Ann Lee  ', 'Ann Lee'],
    ['김민아', '김민아'],
  ])('%p → %p', (input, expected) => {
    expect(normalizeName('name', input)).toBe(expected);
  });
  it.each(['', '   ', 'x'.repeat(201)])('refuses %p', (input) => {
    expect(() => normalizeName('name', input)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});

describe('rejectNull', () => {
  it('passes values and undefined through, refuses null', () => {
    expect(rejectNull('f', 3)).toBe(3);
    expect(rejectNull('f', undefined)).toBeUndefined();
    expect(() => rejectNull('f', null)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'f' }),
    );
  });
});
