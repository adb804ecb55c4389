import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenPrefix = 'prl_agent' | 'prl_int';

/** 256 random bits; the prefix tells a leaked token's kind at a glance (and to secret scanners). */
export function generateToken(prefix: TokenPrefix): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * Tokens are high-entropy random strings, so one SHA-256 is the right hash: it is a lookup key that
 * a database leak cannot turn back into a token, without a password KDF's cost per request.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two hex digests without leaking, through timing, how much of them matched. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
