import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';

/**
 * The key failed authentications are counted under. An IPv4-mapped IPv6 address is its IPv4
 * address (a dual-stack socket reports IPv4 clients that way); IPv6 addresses are grouped by /64,
 * since one host is usually given a whole /64 and could otherwise take a fresh bucket per address.
 */
export function addressKey(raw: string): string {
  const text = raw.trim();
  if (!ipaddr.isValid(text)) return text.slice(0, 100);
  const address = ipaddr.process(text);
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toRFC5952String()}/64`;
}

/**
 * The client behind a request: the socket's peer, or with `trustProxy` the last X-Forwarded-For
 * entry, the one the proxy in front appended (earlier entries are whatever the client wrote).
 */
export function clientKey(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = request.headers['x-forwarded-for'];
    const last = (Array.isArray(header) ? header.join(',') : header)?.split(',').pop()?.trim();
    if (last) return addressKey(last);
  }
  return addressKey(request.socket.remoteAddress ?? 'unknown');
}
