import {
  afterFailedAttempt,
  failingDisabledReason,
  failingTooLong,
  MAX_RETRY_DELAY_MS,
  retryDelayMs,
} from './webhook-retry';
import { WebhookDeliveryStatus } from './webhook.enums';

const HOUR = 3_600_000;

describe('retryDelayMs', () => {
  // random 0.5 is the nominal delay; 0 is 20% less; just under 1 is 20% more.
  it.each([
    [1, 10_000, 0.5, 10_000],
    [2, 10_000, 0.5, 20_000],
    [3, 10_000, 0.5, 40_000],
    [1, 10_000, 0, 8_000],
    [1, 10_000, 0.999999, 12_000],
    [3, 10_000, 0, 32_000],
    [9, 10_000, 0.5, 2_560_000],
    [10, 10_000, 0.5, HOUR], // 5,120 s nominal: capped
    [10, 10_000, 0, 2_880_000], // the cap comes first, then the jitter, which spreads delays at the cap too…
    [11, 10_000, 0.999999, HOUR], // …and never raise it past an hour
    [1000, 10_000, 0.5, HOUR],
    [1, 50, 0.5, 50],
    [0, 10_000, 0.5, 10_000], // no attempt made yet reads as the first
    [2, 10_000, 7, 24_000], // a source out of range is clamped
    [2, 10_000, -1, 16_000],
  ])('attempt %i, base %i, random %d → %i ms', (attempt, base, random, expected) => {
    expect(retryDelayMs(attempt, base, () => random)).toBe(expected);
  });

  it('is capped at an hour', () => {
    expect(MAX_RETRY_DELAY_MS).toBe(HOUR);
  });
});

describe('afterFailedAttempt', () => {
  const now = new Date('2026-03-01T09:00:00.000Z');
  const policy = { retryBaseMs: 10_000, maxAttempts: 3 };
  it.each([
    [1, WebhookDeliveryStatus.PENDING, '2026-03-01T09:00:10.000Z'],
    [2, WebhookDeliveryStatus.PENDING, '2026-03-01T09:00:20.000Z'],
    [3, WebhookDeliveryStatus.GAVE_UP, null],
    [4, WebhookDeliveryStatus.GAVE_UP, null],
  ])('after attempt %i: %s, next %s', (attempts, status, next) => {
    const result = afterFailedAttempt(attempts, policy, now, () => 0.5);
    expect(result.status).toBe(status);
    expect(result.nextAttemptAt?.toISOString() ?? null).toBe(next);
  });

  it('gives up after the first attempt when only one is allowed', () => {
    expect(afterFailedAttempt(1, { retryBaseMs: 10, maxAttempts: 1 }, now, () => 0.5).status).toBe(
      WebhookDeliveryStatus.GAVE_UP,
    );
  });
});

describe('failingTooLong', () => {
  const now = new Date('2026-03-02T09:00:00.000Z');
  it.each([
    ['not failing', null, false],
    ['failing for an hour', '2026-03-02T08:00:00.000Z', false],
    ['failing for just under 24 h', '2026-03-01T09:00:00.001Z', false],
    ['failing for exactly 24 h', '2026-03-01T09:00:00.000Z', true],
    ['failing for two days', '2026-02-28T09:00:00.000Z', true],
  ])('%s → %s', (_name, since, expected) => {
    expect(failingTooLong(since === null ? null : new Date(since), now)).toBe(expected);
  });

  it('says why, and since when', () => {
    expect(failingDisabledReason(new Date('2026-03-01T09:00:00.000Z'))).toBe(
      'disabled: every delivery has given up since 2026-03-01T09:00:00.000Z (24 h without a 2xx answer)',
    );
  });
});
