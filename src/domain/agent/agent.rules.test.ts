import { normalizeEmail, validateCapacity } from './agent.rules';

describe('normalizeEmail', () => {
  it.each([
    ['ann@example.com', 'ann@example.com'],
    ['  Ann.Lee+support@Example.co.kr ', 'Ann.Lee+support@Example.co.kr'],
  ])('accepts %p as %p', (input, expected) => {
    expect(normalizeEmail('email', input)).toBe(expected);
  });

  it.each([
    '',
    'ann',
    'ann@',
    '@example.com',
    'ann@example',
    'a b@example.com',
    'ann@@example.com',
    'ann@example..com',
    `${'x'.repeat(250)}@example.com`,
  ])('refuses %p', (input) => {
    expect(() => normalizeEmail('email', input)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});

describe('validateCapacity', () => {
  it.each([0, 1, 2, 100])('accepts %p', (capacity) => {
    expect(validateCapacity('capacity', capacity)).toBe(capacity);
  });
  it.each([-1, 101, 1.5, Number.NaN])('refuses %p', (capacity) => {
    expect(() => validateCapacity('capacity', capacity)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    );
  });
});
