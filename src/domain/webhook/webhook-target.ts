import ipaddr from 'ipaddr.js';
import { badInput } from '../errors';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** Where a webhook may be sent (config PARLEY_WEBHOOK_BLOCK_PRIVATE, PARLEY_WEBHOOK_ALLOWED_HOSTS). */
export interface WebhookTargetPolicy {
  readonly blockPrivateAddresses: boolean;
  /** Lowercase host names or IP addresses (IPv6 without brackets). */
  readonly allowedHosts: readonly string[];
}

/**
 * A webhook URL as stored: absolute http(s), a host, no user name or password (they would sit in
 * the delivery log and in every partner's error reports), at most 2,048 characters.
 */
export function validateWebhookUrl(field: string, raw: string): URL {
  const text = raw.trim();
  if (text.length === 0) throw badInput(field, `${field} must not be blank`);
  if (text.length > MAX_WEBHOOK_URL_LENGTH) {
    throw badInput(field, `${field} must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badInput(field, `${field} is not a well-formed absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badInput(field, `${field} must be an http or https URL`);
  }
  if (url.hostname === '') throw badInput(field, `${field} has no host`);
  if (url.username !== '' || url.password !== '') {
    throw badInput(field, `${field} must not carry a user name or password`);
  }
  return url;
}

/** The URL's host as the allow-list and the address check see it: lowercase, IPv6 without brackets. */
export function targetHost(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

export function isIpAddress(host: string): boolean {
  return ipaddr.isValid(host);
}

export function hostAllowed(host: string, policy: WebhookTargetPolicy): boolean {
  return !policy.blockPrivateAddresses || policy.allowedHosts.includes(host.toLowerCase());
}

/**
 * Why an address may not receive webhooks, or null when it may: only public unicast addresses do
 * (ipaddr.js classifies; an IPv4-mapped IPv6 address counts as its IPv4 address).
 */
export function addressRefusal(address: string): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  return range === 'unicast' ? null : `${address} is a ${range} address`;
}

/**
 * Why sending to `host` at `address` is refused under the policy, or null. The host's own name is
 * checked against the allow-list, so an allowed name may resolve to a private address.
 */
export function targetRefusal(host: string, address: string, policy: WebhookTargetPolicy): string | null {
  if (hostAllowed(host, policy)) return null;
  const refusal = addressRefusal(address);
  return refusal === null
    ? null
    : `${refusal}; webhooks go to public addresses only (allow the host with PARLEY_WEBHOOK_ALLOWED_HOSTS)`;
}
