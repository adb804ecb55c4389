import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'Parley-Signature';

/** An endpoint's secrets as stored (docs/domain.md "Outbound delivery to partners", signature). */
export interface EndpointSecrets {
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretExpiresAt: Date | null;
}

/**
 * The secrets that sign a delivery made at `now`: the current one, and after a rotation the
 * previous one until it expires, so a receiver that still holds the old secret keeps verifying
 * while it switches over.
 */
export function signingSecrets(endpoint: EndpointSecrets, now: Date): string[] {
  const { secret, previousSecret, previousSecretExpiresAt } = endpoint;
  const previousValid =
    previousSecret !== null &&
    previousSecretExpiresAt !== null &&
    previousSecretExpiresAt.getTime() > now.getTime();
  return previousValid && previousSecret !== secret ? [secret, previousSecret] : [secret];
}

/** hex HMAC-SHA256(secret, "<t>.<raw body>"): one `v1` value. */
export function signatureValue(secret: string, timestampSeconds: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex');
}

/**
 * `t=<unix seconds>,v1=<hex>[,v1=<hex>]`: one v1 per secret, in the order given (current first).
 * The timestamp is signed with the body, so a receiver may refuse old deliveries (replays).
 */
export function signatureHeader(secrets: readonly string[], at: Date, rawBody: string): string {
  if (secrets.length === 0) throw new Error('a delivery needs at least one signing secret');
  const t = Math.floor(at.getTime() / 1000);
  return [`t=${t}`, ...secrets.map((secret) => `v1=${signatureValue(secret, t, rawBody)}`)].join(',');
}
