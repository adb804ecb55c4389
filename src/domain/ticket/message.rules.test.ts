import { DomainError } from '../errors';
import {
  MAX_CLIENT_MESSAGE_ID_LENGTH,
  MAX_MESSAGE_LENGTH,
  normalizeBody,
  normalizeExternalId,
  validateClientMessageId,
} from './message.rules';

const refusal = (field: string) => expect.objectContaining({ code: 'BAD_USER_INPUT', field });

describe('normalizeBody (docs/domain.md: 1 to 10,000 characters after trimming)', () => {
  it('allows 10,000 characters', () => {
    expect(MAX_MESSAGE_LENGTH).toBe(10_000);
  });

  it.each<[string, string, string]>([
    ['one character', 'a', 'a'],
    ['trimmed both ends', '  hello  ', 'hello'],
    ['tabs and newlines trimmed, inner whitespace kept', '\n\t hello   world \r\n', 'hello   world'],
    ['exactly 10,000 characters', 'x'.repeat(10_000), 'x'.repeat(10_000)],
    ['10,000 characters once trimmed', `  ${'x'.repeat(10_000)}\n`, 'x'.repeat(10_000)],
    ['one emoji', '😀', '😀'],
    ['10,000 emoji (20,000 UTF-16 units)', '😀'.repeat(10_000), '😀'.repeat(10_000)],
    ['10,000 Hangul syllables', '김'.repeat(10_000), '김'.repeat(10_000)],
    ['9,999 letters and one emoji', `${'a'.repeat(9_999)}😀`, `${'a'.repeat(9_999)}😀`],
  ])('accepts %s', (_label, input, expected) => {
    expect(normalizeBody('input.body', input)).toBe(expected);
  });

  it.each<[string, string]>([
    ['empty', ''],
    ['spaces only', '   '],
    ['whitespace only', '\n\t \r\n'],
    ['10,001 characters', 'x'.repeat(10_001)],
    ['10,001 emoji', '😀'.repeat(10_001)],
    ['10,000 letters and one emoji', `${'a'.repeat(10_000)}😀`],
    ['10,001 characters inside whitespace', ` ${'x'.repeat(10_001)} `],
  ])('refuses %s with BAD_USER_INPUT on the field', (_label, input) => {
    expect(() => normalizeBody('input.body', input)).toThrow(refusal('input.body'));
    expect(() => normalizeBody('input.body', input)).toThrow(DomainError);
  });
});

describe('normalizeBody with attachments (docs/domain.md "Attachments": the body may then be empty)', () => {
  it.each<[string, string, boolean, string]>([
    ['empty, with attachments', '', true, ''],
    ['whitespace only, with attachments: empty', ' \n\t ', true, ''],
    ['text with attachments, trimmed', '  see the photo ', true, 'see the photo'],
    ['text without attachments', 'hello', false, 'hello'],
  ])('accepts %s', (_label, input, hasAttachments, expected) => {
    expect(normalizeBody('body', input, hasAttachments)).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ['empty, without attachments', '', false],
    ['whitespace only, without attachments', '  ', false],
    ['10,001 characters, even with attachments', 'x'.repeat(10_001), true],
  ])('refuses %s', (_label, input, hasAttachments) => {
    expect(() => normalizeBody('body', input, hasAttachments)).toThrow(refusal('body'));
  });
});

describe('normalizeExternalId', () => {
  it.each<[string, string, string]>([
    ['a plain id', 'U1234567890', 'U1234567890'],
    ['trimmed', '  wamid.HBgL  ', 'wamid.HBgL'],
    ['exactly 255 characters', 'a'.repeat(255), 'a'.repeat(255)],
    ['255 characters once trimmed', ` ${'a'.repeat(255)} `, 'a'.repeat(255)],
  ])('accepts %s', (_label, input, expected) => {
    expect(normalizeExternalId('input.externalUserId', input)).toBe(expected);
  });

  it.each<[string, string]>([
    ['empty', ''],
    ['whitespace only', ' \t '],
    ['256 characters', 'a'.repeat(256)],
  ])('refuses %s with BAD_USER_INPUT on the field', (_label, input) => {
    expect(() => normalizeExternalId('input.externalUserId', input)).toThrow(refusal('input.externalUserId'));
  });
});

describe('validateClientMessageId (docs/domain.md: 1 to 128 characters, kept exactly as sent)', () => {
  it('allows 128 characters', () => {
    expect(MAX_CLIENT_MESSAGE_ID_LENGTH).toBe(128);
  });

  it.each<[string, string]>([
    ['a UUID', '0b7e4c1a-6a54-4a4e-9a43-1c5a2b8f0e11'],
    ['one character', 'x'],
    ['exactly 128 characters', 'a'.repeat(128)],
    ['128 emoji (256 UTF-16 units)', '😀'.repeat(128)],
    ['inner and outer spaces, kept as they are', ' tmp 1 '],
    ['Hangul and accents', '임시-é-1'],
    ['a right-to-left mark (a format character, not a control one)', 'id\u200F1'],
  ])('accepts %s unchanged', (_label, input) => {
    expect(validateClientMessageId('clientMessageId', input)).toBe(input);
  });

  it.each<[string, string]>([
    ['empty', ''],
    ['spaces only', '   '],
    ['whitespace only', '\n\t '],
    ['129 characters', 'a'.repeat(129)],
    ['129 emoji', '😀'.repeat(129)],
    ['NUL', 'a\u0000b'],
    ['a tab', 'a\tb'],
    ['a newline', 'a\nb'],
    ['an escape sequence', '\u001b[31mred'],
    ['DEL', 'a\u007fb'],
    ['a C1 control character', 'a\u0085b'],
    ['a lone high surrogate', 'a\uD800b'],
    ['a lone low surrogate', 'x\uDFFF'],
  ])('refuses %s with BAD_USER_INPUT naming clientMessageId', (_label, input) => {
    expect(() => validateClientMessageId('clientMessageId', input)).toThrow(refusal('clientMessageId'));
    expect(() => validateClientMessageId('clientMessageId', input)).toThrow(DomainError);
  });
});
