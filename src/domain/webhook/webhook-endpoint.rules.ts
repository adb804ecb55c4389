import type { Principal } from '../auth/principal';
import { badInput, forbidden } from '../errors';
import { MAX_WEBHOOK_URL_LENGTH, validateWebhookUrl } from './webhook-target';

/** What a shown signing secret starts with (docs/domain.md "Webhook endpoints"). */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** How long the secret replaced by rotateWebhookSecret keeps signing beside the new one. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * docs/domain.md "Webhook endpoints": admins manage every endpoint, those of all channels (no
 * channel) included; an integration only its own channel's. Agents manage none. Whatever a caller
 * may not manage does not exist for it (NOT_FOUND), as for tickets.
 */
export function seesWebhookEndpoint(principal: Principal, channelId: string | null): boolean {
  if (principal.role === 'ADMIN') return true;
  return principal.role === 'INTEGRATION' && channelId !== null && principal.channelId === channelId;
}

/**
 * The channel a new endpoint is for. An admin names one, or none for every channel; an integration
 * gets its own channel whether it names it or not, and naming another is FORBIDDEN (it is asking for
 * something it may not have, not for something that is missing).
 */
export function endpointChannel(principal: Principal, requested: string | null | undefined): string | null {
  if (principal.role === 'INTEGRATION') {
    if (requested === null || requested === undefined) return principal.channelId;
    if (requested.toLowerCase() !== principal.channelId) {
      throw forbidden('An integration registers webhook endpoints for its own channel only (omit channelId)');
    }
    return principal.channelId;
  }
  if (principal.role !== 'ADMIN') throw forbidden(`${principal.role} may not manage webhook endpoints`);
  return requested ?? null;
}

/**
 * The kinds an endpoint wants, once each, in `order` (the enum's): an empty list, like none at all,
 * means every kind, so that a kind added later reaches an endpoint that asked for everything.
 */
export function normalizeKinds<K extends string>(
  kinds: readonly K[] | null | undefined,
  order: readonly K[],
): K[] {
  if (!kinds || kinds.length === 0) return [];
  const wanted = new Set(kinds);
  return order.filter((kind) => wanted.has(kind));
}

/**
 * A webhook URL as stored and sent to: validateWebhookUrl's rules, kept in the URL parser's own
 * serialisation (lowercase scheme and host, punycode, percent-encoding), which is what the sender
 * will parse again. That form can be longer than what was typed, so its length is checked too.
 */
export function storedWebhookUrl(field: string, raw: string): URL {
  const url = validateWebhookUrl(field, raw);
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) {
    throw badInput(field, `${field} must be at most ${MAX_WEBHOOK_URL_LENGTH} characters once encoded`);
  }
  return url;
}

/** The reason an endpoint disabled by hand shows (the delivery engine gives its own). */
export function disabledByReason(principal: Principal): string {
  return principal.role === 'INTEGRATION' ? 'disabled by integration' : 'disabled by admin';
}
