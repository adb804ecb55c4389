import { attachmentLink, attachmentSignature, verifyAttachmentLink } from './attachment-link';

const SECRET = 'link-secret-for-tests-0123456789abcdef';
const ID = '0b7c6a4e-2f1d-4c3b-9a8e-1d2c3b4a5f60';
// Computed outside Node:
// printf 'parley-attachment-v1\n<id>\n1772359200' | openssl dgst -sha256 -hmac <secret> -binary | base64url
const SIGNED = 'uruW4ATpROOoWcjz4e5JwUDggQ0J5Z2EQnneUbEMvEo';
const NOW = new Date('2026-03-01T09:00:00.400Z'); // 1772355600 s, floored; + 3,600 s = 1772359200

describe('attachmentLink (docs/domain.md "Attachments": a signed link that expires)', () => {
  it('signs the id and the expiry with HMAC-SHA256, base64url', () => {
    expect(attachmentSignature(SECRET, ID, 1772359200)).toBe(SIGNED);
  });

  it.each<[string, string, string]>([
    ['relative without a base', '', `/files/${ID}?expires=1772359200&sig=${SIGNED}`],
    [
      'absolute under PARLEY_PUBLIC_URL',
      'https://parley.example.com',
      `https://parley.example.com/files/${ID}?expires=1772359200&sig=${SIGNED}`,
    ],
    [
      'a base with a path and a trailing slash',
      'https://example.com/parley/',
      `https://example.com/parley/files/${ID}?expires=1772359200&sig=${SIGNED}`,
    ],
  ])('%s', (_label, base, expected) => {
    const link = attachmentLink(SECRET, ID, NOW, 3_600, base);
    expect(link.url).toBe(expected);
    expect(link.expiresAt.toISOString()).toBe('2026-03-01T10:00:00.000Z');
  });
});

describe('verifyAttachmentLink', () => {
  const valid = { id: ID, expires: '1772359200', sig: SIGNED };

  it.each<[string, Date]>([
    ['at once', NOW],
    ['a second before it expires', new Date('2026-03-01T09:59:59.999Z')],
  ])('accepts the link %s', (_label, now) => {
    expect(verifyAttachmentLink(SECRET, valid.id, valid.expires, valid.sig, now)).toBe(true);
  });

  it.each<[string, Partial<typeof valid> & { secret?: string; now?: Date }]>([
    ['once it has expired', { now: new Date('2026-03-01T10:00:00.000Z') }],
    ['another id', { id: '0b7c6a4e-2f1d-4c3b-9a8e-1d2c3b4a5f61' }],
    ['a later expiry (extended by hand)', { expires: '1772362800' }],
    ['another secret', { secret: 'another-secret-0123456789abcdef0123' }],
    ['a signature with one character changed', { sig: `${SIGNED.slice(0, -1)}F` }],
    ['a truncated signature', { sig: SIGNED.slice(0, 42) }],
    ['a signature in hex', { sig: 'ab'.repeat(32) }],
    ['no signature', { sig: '' }],
    ['no expiry', { expires: '' }],
    ['an expiry that is not a number', { expires: '1772359200.5' }],
    ['a negative expiry', { expires: '-1' }],
  ])('refuses the link with %s', (_label, change) => {
    const link = { ...valid, ...change };
    expect(
      verifyAttachmentLink(change.secret ?? SECRET, link.id, link.expires, link.sig, change.now ?? NOW),
    ).toBe(false);
  });

  it('refuses absent parts', () => {
    expect(verifyAttachmentLink(SECRET, ID, null, SIGNED, NOW)).toBe(false);
    expect(verifyAttachmentLink(SECRET, ID, '1772359200', undefined, NOW)).toBe(false);
  });
});
