import {
  checkAttachable,
  contentDisposition,
  MAX_ATTACHMENTS_PER_MESSAGE,
  normalizeAttachmentIds,
  normalizeContentType,
  normalizeFileName,
  servedInline,
  type AttachableUpload,
  type UploadOwner,
} from './attachment.rules';

const refusal = (field: string, message?: RegExp) =>
  expect.objectContaining({
    code: 'BAD_USER_INPUT',
    field,
    ...(message ? { message: expect.stringMatching(message) } : {}),
  });

describe('normalizeFileName (display text only: never a path)', () => {
  it.each<[string, string | null | undefined, string]>([
    ['a plain name', 'report.pdf', 'report.pdf'],
    ['Korean, kept', '견적서 2026.pdf', '견적서 2026.pdf'],
    ['a Unix path: its last part', '../../etc/passwd', 'passwd'],
    ['a Windows path: its last part', 'C:\\Users\\kim\\photo.jpg', 'photo.jpg'],
    ['a trailing slash: nothing left', 'dir/', 'file'],
    ['dot-dot alone', '..', 'file'],
    ['a dot alone', '.', 'file'],
    ['empty', '', 'file'],
    ['absent', undefined, 'file'],
    ['null', null, 'file'],
    ['whitespace only', '  \t ', 'file'],
    ['trimmed', '  notes.txt  ', 'notes.txt'],
    ['NUL and control characters removed', 'a\u0000b\u0007c\r\n.txt', 'abc.txt'],
    ['a right-to-left override removed', 'invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['zero-width characters removed', 'pay\u200Bpal.html', 'paypal.html'],
    ['a lone surrogate removed', 'a\uD800b.txt', 'ab.txt'],
    ['decomposed Hangul composed (NFC)', '\u1100\u1161.txt', '\uAC00.txt'],
    ['a dotfile kept', '.env', '.env'],
    ['exactly 255 characters', `${'a'.repeat(251)}.txt`, `${'a'.repeat(251)}.txt`],
    ['300 characters: cut to 255, extension kept', `${'a'.repeat(296)}.txt`, `${'a'.repeat(251)}.txt`],
    ['300 emoji: cut by code point, extension kept', `${'😀'.repeat(296)}.png`, `${'😀'.repeat(251)}.png`],
    ['a long "extension" is not kept whole', `a.${'b'.repeat(300)}`, `a.${'b'.repeat(253)}`],
  ])('%s', (_label, input, expected) => {
    const name = normalizeFileName(input);
    expect(name).toBe(expected);
    expect([...name].length).toBeLessThanOrEqual(255);
  });
});

describe('normalizeContentType', () => {
  it.each<[string, string | null | undefined, string]>([
    ['image/png', 'image/png', 'image/png'],
    ['upper case lowered', 'Image/JPEG', 'image/jpeg'],
    ['parameters dropped', 'text/plain; charset=utf-8', 'text/plain'],
    ['a structured suffix', 'application/vnd.api+json', 'application/vnd.api+json'],
    ['no subtype', 'image', 'application/octet-stream'],
    ['empty subtype', 'image/', 'application/octet-stream'],
    ['two slashes', 'image/png/x', 'application/octet-stream'],
    ['spaces inside', 'image/ png', 'application/octet-stream'],
    ['a header injection', 'text/html\r\nX-Evil: 1', 'application/octet-stream'],
    ['non-ASCII', 'image/pñg', 'application/octet-stream'],
    ['too long', `application/${'x'.repeat(128)}`, 'application/octet-stream'],
    ['empty', '', 'application/octet-stream'],
    ['absent', undefined, 'application/octet-stream'],
  ])('%s', (_label, input, expected) => {
    expect(normalizeContentType(input)).toBe(expected);
  });
});

describe('servedInline and contentDisposition (images shown, everything else downloaded)', () => {
  it.each<[string, boolean]>([
    ['image/png', true],
    ['image/jpeg', true],
    ['image/svg+xml', false],
    ['text/html', false],
    ['application/pdf', false],
    ['application/octet-stream', false],
  ])('%s inline: %s', (type, inline) => {
    expect(servedInline(type)).toBe(inline);
  });

  it.each<[string, string, string, string]>([
    [
      'a plain name',
      'report.pdf',
      'application/pdf',
      `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
    ],
    ['an image, inline', 'cat.png', 'image/png', `inline; filename="cat.png"; filename*=UTF-8''cat.png`],
    [
      'an SVG, downloaded',
      'logo.svg',
      'image/svg+xml',
      `attachment; filename="logo.svg"; filename*=UTF-8''logo.svg`,
    ],
    [
      'Korean: ASCII fallback and UTF-8',
      '견적서.pdf',
      'application/pdf',
      `attachment; filename="___.pdf"; filename*=UTF-8''%EA%B2%AC%EC%A0%81%EC%84%9C.pdf`,
    ],
    [
      'quotes, backslashes, percent and RFC 8187 specials escaped',
      `a "b"\\c%'(1)*.txt`,
      'text/plain',
      `attachment; filename="a _b__c_'(1)*.txt"; filename*=UTF-8''a%20%22b%22%5Cc%25%27%281%29%2A.txt`,
    ],
  ])('%s', (_label, name, type, expected) => {
    expect(contentDisposition(name, type)).toBe(expected);
  });
});

describe('normalizeAttachmentIds', () => {
  const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

  it.each<[string, readonly string[] | null | undefined, string[]]>([
    ['absent', undefined, []],
    ['null', null, []],
    ['empty', [], []],
    ['two, in order', [id(2), id(1)], [id(2), id(1)]],
    [
      'upper case lowered',
      ['ABCDEF00-0000-4000-8000-000000000001'],
      ['abcdef00-0000-4000-8000-000000000001'],
    ],
    [
      'the maximum',
      Array.from({ length: MAX_ATTACHMENTS_PER_MESSAGE }, (_, i) => id(i)),
      Array.from({ length: MAX_ATTACHMENTS_PER_MESSAGE }, (_, i) => id(i)),
    ],
  ])('accepts %s', (_label, input, expected) => {
    expect(normalizeAttachmentIds('attachmentIds', input)).toEqual(expected);
  });

  it.each<[string, string[], RegExp]>([
    ['one too many', Array.from({ length: MAX_ATTACHMENTS_PER_MESSAGE + 1 }, (_, i) => id(i)), /at most 10/],
    ['a malformed id', [id(1), 'nope'], /\[1\].*not an upload id/],
    ['an empty id', [''], /not an upload id/],
    ['one id twice', [id(1), id(1)], /twice/],
    ['one id twice in different case', [id(1).replace('-4000-', '-4000-').toUpperCase(), id(1)], /twice/],
  ])('refuses %s on the field', (_label, input, message) => {
    expect(() => normalizeAttachmentIds('input.attachmentIds', input)).toThrow(
      refusal('input.attachmentIds', message),
    );
  });
});

describe('checkAttachable (docs/domain.md "Attachments": once, same caller, within the window)', () => {
  const now = new Date('2026-03-01T10:00:00.000Z');
  const WINDOW = 3_600;
  const agent: UploadOwner = { type: 'AGENT', id: 'a1' };
  const upload = (over: Partial<AttachableUpload> = {}): AttachableUpload => ({
    id: 'u1',
    ownerType: 'AGENT',
    ownerId: 'a1',
    messageId: null,
    createdAt: new Date('2026-03-01T09:30:00.000Z'),
    ...over,
  });
  const check = (found: AttachableUpload[], owner: UploadOwner = agent, ids = ['u1']) =>
    checkAttachable('attachmentIds', ids, found, owner, now, WINDOW);

  it.each<[string, AttachableUpload[], UploadOwner]>([
    ["the agent's own", [upload()], agent],
    ['an admin upload, by an admin', [upload({ ownerType: 'ADMIN', ownerId: null })], { type: 'ADMIN' }],
    [
      "the integration's own channel",
      [upload({ ownerType: 'INTEGRATION', ownerId: 'c1' })],
      { type: 'INTEGRATION', id: 'c1' },
    ],
    ['a second before the window ends', [upload({ createdAt: new Date('2026-03-01T09:00:00.001Z') })], agent],
  ])('accepts %s', (_label, found, owner) => {
    expect(() => check(found, owner)).not.toThrow();
  });

  it.each<[string, AttachableUpload[], UploadOwner, RegExp]>([
    ['an unknown id', [], agent, /no upload of yours/],
    ["another agent's", [upload({ ownerId: 'a2' })], agent, /no upload of yours/],
    ["an agent's, by an admin", [upload()], { type: 'ADMIN' }, /no upload of yours/],
    ["an admin's, by an agent", [upload({ ownerType: 'ADMIN', ownerId: null })], agent, /no upload of yours/],
    [
      "another channel's",
      [upload({ ownerType: 'INTEGRATION', ownerId: 'c2' })],
      { type: 'INTEGRATION', id: 'c1' },
      /no upload of yours/,
    ],
    [
      "an agent's whose id is a channel's id",
      [upload({ ownerType: 'AGENT', ownerId: 'c1' })],
      { type: 'INTEGRATION', id: 'c1' },
      /no upload of yours/,
    ],
    ['one already attached', [upload({ messageId: 'm1' })], agent, /already attached/],
    [
      'one exactly at the end of the window',
      [upload({ createdAt: new Date('2026-03-01T09:00:00.000Z') })],
      agent,
      /expired/,
    ],
    [
      'one older than the window',
      [upload({ createdAt: new Date('2026-02-28T10:00:00.000Z') })],
      agent,
      /expired/,
    ],
  ])('refuses %s', (_label, found, owner, message) => {
    expect(() => check(found, owner)).toThrow(refusal('attachmentIds', message));
  });

  it('names the first id at fault, by its position', () => {
    expect(() => check([upload()], agent, ['u1', 'u2'])).toThrow(refusal('attachmentIds', /\[1\] \("u2"\)/));
  });
});
