import { signatureHeader, signingSecrets } from './webhook-signature';

// Expected values computed outside Node: printf '%s' '<t>.<body>' | openssl dgst -sha256 -hmac <secret>
const CURRENT = 'f2a0e9cc79f6a8d5063bc6718561e872509983827740ea4ee5622da1c7e8d2b4';
const OLD = '492156f57f8996f819ca2c707610a2e923a388ef356576e4d9a21d8189867383';
const EMPTY_BODY = 'bc5f22c68024f86d3be1b4ddd6417a119940e00ea9c5f409f8e48b2b4c7c771f';

describe('signatureHeader', () => {
  const at = new Date('2026-01-01T00:00:00.999Z'); // t = 1767225600 (seconds, floored)
  it.each([
    ['one secret', ['whsec_test'], '{"id":"x"}', `t=1767225600,v1=${CURRENT}`],
    [
      'current and previous',
      ['whsec_test', 'whsec_old'],
      '{"id":"x"}',
      `t=1767225600,v1=${CURRENT},v1=${OLD}`,
    ],
    ['an empty body', ['whsec_test'], '', `t=1767225600,v1=${EMPTY_BODY}`],
  ])('%s', (_name, secrets, body, expected) => {
    expect(signatureHeader(secrets, at, body)).toBe(expected);
  });

  it('refuses to sign with no secret', () => {
    expect(() => signatureHeader([], at, '{}')).toThrow('at least one signing secret');
  });
});

describe('signingSecrets', () => {
  const now = new Date('2026-03-01T09:00:00.000Z');
  const later = new Date('2026-03-02T08:00:00.000Z');
  const earlier = new Date('2026-03-01T08:59:59.999Z');
  it.each([
    ['never rotated', { secret: 'new', previousSecret: null, previousSecretExpiresAt: null }, ['new']],
    [
      'rotated, previous still valid',
      { secret: 'new', previousSecret: 'old', previousSecretExpiresAt: later },
      ['new', 'old'],
    ],
    [
      'rotated, previous expired',
      { secret: 'new', previousSecret: 'old', previousSecretExpiresAt: earlier },
      ['new'],
    ],
    [
      'previous expiring exactly now',
      { secret: 'new', previousSecret: 'old', previousSecretExpiresAt: now },
      ['new'],
    ],
    [
      'previous without an expiry',
      { secret: 'new', previousSecret: 'old', previousSecretExpiresAt: null },
      ['new'],
    ],
    [
      'previous equal to current',
      { secret: 'same', previousSecret: 'same', previousSecretExpiresAt: later },
      ['same'],
    ],
  ])('%s', (_name, endpoint, expected) => {
    expect(signingSecrets(endpoint, now)).toEqual(expected);
  });
});
