import { addressRefusal, targetHost, targetRefusal, validateWebhookUrl } from './webhook-target';

describe('validateWebhookUrl', () => {
  it.each([
    ['https://hooks.example.com/parley', 'hooks.example.com'],
    ['http://example.com:8080/a?b=c', 'example.com'],
    ['  https://EXAMPLE.com/x  ', 'example.com'],
    ['http://[::1]:3000/', '::1'],
    ['http://127.0.0.1/', '127.0.0.1'],
  ])('accepts %s (host %s)', (raw, host) => {
    expect(targetHost(validateWebhookUrl('input.url', raw))).toBe(host);
  });

  it.each([
    ['', 'blank'],
    ['   ', 'blank'],
    ['not a url', 'well-formed'],
    ['/relative/path', 'well-formed'],
    ['ftp://example.com/', 'http or https'],
    ['javascript:alert(1)', 'http or https'],
    ['file:///etc/passwd', 'http or https'],
    ['https://user:pass@example.com/', 'user name or password'],
    ['https://user@example.com/', 'user name or password'],
    [`https://example.com/${'a'.repeat(2048)}`, 'at most 2048'],
  ])('refuses %j (%s) with BAD_USER_INPUT naming the field', (raw, words) => {
    expect(() => validateWebhookUrl('input.url', raw)).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        field: 'input.url',
        message: expect.stringContaining(words),
      }),
    );
  });
});

describe('addressRefusal', () => {
  it.each([
    ['8.8.8.8', null],
    ['2606:4700:4700::1111', null],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['not-an-ip', 'not an IP address'],
  ])('%s → %s', (address, words) => {
    const refusal = addressRefusal(address);
    if (words === null) expect(refusal).toBeNull();
    else expect(refusal).toContain(words);
  });
});

describe('targetRefusal', () => {
  const blocking = { blockPrivateAddresses: true, allowedHosts: ['receiver.internal', '10.0.0.5'] };
  it.each([
    ['public address', 'example.com', '93.184.215.14', blocking, false],
    ['private address', 'evil.example', '10.0.0.1', blocking, true],
    ['allowed name resolving privately', 'receiver.internal', '10.9.9.9', blocking, false],
    ['allowed IP literal', '10.0.0.5', '10.0.0.5', blocking, false],
    [
      'not blocking at all',
      'localhost',
      '127.0.0.1',
      { blockPrivateAddresses: false, allowedHosts: [] },
      false,
    ],
  ])('%s', (_name, host, address, policy, refused) => {
    expect(targetRefusal(host, address, policy) !== null).toBe(refused);
  });
});
