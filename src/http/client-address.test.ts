import type { IncomingMessage } from 'node:http';
import { addressKey, clientKey } from './client-address';

describe('addressKey', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.2', '127.0.0.2'],
    ['::ffff:7f00:3', '127.0.0.3'],
    ['::1', '::/64'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:0000:0000:0000:0001', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80::/64'],
    [' 10.0.0.1 ', '10.0.0.1'],
    ['not an address', 'not an address'],
  ])('%s → %s', (raw, key) => {
    expect(addressKey(raw)).toBe(key);
  });

  it('puts every address of one /64 under one key, and another /64 under another', () => {
    expect(addressKey('2001:db8::1')).toBe(addressKey('2001:db8::ffff:1'));
    expect(addressKey('2001:db8:0:1::1')).not.toBe(addressKey('2001:db8::1'));
  });
});

describe('clientKey', () => {
  const request = (remoteAddress: string | undefined, forwardedFor?: string | string[]) =>
    ({
      socket: { remoteAddress },
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    }) as unknown as IncomingMessage;

  it('uses the socket peer and ignores X-Forwarded-For unless the proxy is trusted', () => {
    expect(clientKey(request('::ffff:10.0.0.7', '1.2.3.4'), false)).toBe('10.0.0.7');
  });

  it('with a trusted proxy, takes the last entry: the one the proxy appended', () => {
    expect(clientKey(request('10.0.0.7', '6.6.6.6, 203.0.113.9'), true)).toBe('203.0.113.9');
    expect(clientKey(request('10.0.0.7', ['6.6.6.6', '203.0.113.9']), true)).toBe('203.0.113.9');
    expect(clientKey(request('10.0.0.7'), true)).toBe('10.0.0.7');
  });

  it('still has a key for a socket already gone', () => {
    expect(clientKey(request(undefined), false)).toBe('unknown');
  });
});
