import { createHmac, timingSafeEqual } from 'node:crypto';

/** Where the bytes are served: `/files/<id>?expires=<unix seconds>&sig=<base64url>`. */
export const ATTACHMENT_PATH_PREFIX = '/files/';

// Separates these signatures from anything else an operator might sign with the same secret.
const PURPOSE = 'parley-attachment-v1';

const EXPIRES = /^\d{1,12}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

/** base64url HMAC-SHA256 over the id and the expiry (unix seconds). */
export function attachmentSignature(secret: string, id: string, expiresSeconds: number): string {
  return createHmac('sha256', secret).update(`${PURPOSE}\n${id}\n${expiresSeconds}`).digest('base64url');
}

/**
 * docs/domain.md "Attachments": a link to one attachment's bytes, valid for `ttlSeconds` from
 * `now`; anyone holding it may download until then (it is a capability, like a presigned URL).
 * `base` (PARLEY_PUBLIC_URL) makes it absolute; without it the path is relative to the server.
 */
export function attachmentLink(
  secret: string,
  id: string,
  now: Date,
  ttlSeconds: number,
  base = '',
): { url: string; expiresAt: Date } {
  const expires = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const query = `expires=${expires}&sig=${attachmentSignature(secret, id, expires)}`;
  return {
    url: `${base.replace(/\/+$/, '')}${ATTACHMENT_PATH_PREFIX}${encodeURIComponent(id)}?${query}`,
    expiresAt: new Date(expires * 1000),
  };
}

/**
 * Whether a link's `expires` and `sig` are the server's for this id and not yet past. Malformed
 * parts are simply not valid; the signature is compared in constant time, so its timing says
 * nothing about how much of a forged one was right.
 */
export function verifyAttachmentLink(
  secret: string,
  id: string,
  expires: string | null | undefined,
  sig: string | null | undefined,
  now: Date,
): boolean {
  if (!expires || !sig || !EXPIRES.test(expires) || !SIGNATURE.test(sig)) return false;
  const expected = Buffer.from(attachmentSignature(secret, id, Number(expires)));
  const given = Buffer.from(sig);
  const signed = given.length === expected.length && timingSafeEqual(given, expected);
  return signed && now.getTime() < Number(expires) * 1000;
}
