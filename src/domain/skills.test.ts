import { DomainError } from './errors';
import { normalizeSkills, withoutRequired } from './skills';

describe('normalizeSkills', () => {
  it.each([
    [[], []],
    [['korean'], ['korean']],
    [[' Korean ', 'KOREAN', 'korean'], ['korean']],
    [
      ['billing', 'vip_support', 'tier-2', 'L2'],
      ['billing', 'vip_support', 'tier-2', 'l2'],
    ],
    [
      ['b', 'a', 'b'],
      ['b', 'a'],
    ],
    [['a'.repeat(64)], ['a'.repeat(64)]],
  ])('%p → %p', (input, expected) => {
    expect(normalizeSkills('skills', input)).toEqual(expected);
  });

  it.each([[''], ['  '], ['two words'], ['dot.ted'], ['ünicode'], ['a'.repeat(65)], ['emoji🙂']])(
    'refuses %p with BAD_USER_INPUT naming the field',
    (skill) => {
      const attempt = () => normalizeSkills('input.skills', [skill]);
      expect(attempt).toThrow(DomainError);
      expect(attempt).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.skills' }));
    },
  );

  it('refuses more than 100 skills', () => {
    expect(() =>
      normalizeSkills(
        'skills',
        Array.from({ length: 101 }, (_, i) => `s${i}`),
      ),
    ).toThrow(DomainError);
  });
});

describe('withoutRequired', () => {
  it.each([
    { optional: [], required: [], expected: [] },
    { optional: ['spanish'], required: [], expected: ['spanish'] },
    { optional: [], required: ['billing'], expected: [] },
    { optional: ['spanish', 'billing'], required: ['billing'], expected: ['spanish'] },
    { optional: ['billing'], required: ['billing', 'vip'], expected: [] },
    { optional: ['c', 'b', 'a'], required: ['b'], expected: ['c', 'a'] },
  ])('optional $optional, required $required → $expected', ({ optional, required, expected }) => {
    expect(withoutRequired(optional, required)).toEqual(expected);
  });
});
