import { DomainError } from '../errors';
import {
  applyDeliveryReport,
  deliveryErrorOf,
  type DeliveryState,
  MAX_DELIVERY_ERROR_LENGTH,
  MessageDeliveryStatus,
  movesForward,
} from './message-delivery.rules';

const { SENT, DELIVERED, READ, FAILED } = MessageDeliveryStatus;
const refusal = (field: string) => expect.objectContaining({ code: 'BAD_USER_INPUT', field });

describe('movesForward (docs/domain.md "Delivery receipts"): SENT < DELIVERED < READ; FAILED before DELIVERED, final', () => {
  it.each<[MessageDeliveryStatus | null, MessageDeliveryStatus, boolean]>([
    [null, SENT, true],
    [null, DELIVERED, true],
    [null, READ, true],
    [null, FAILED, true],
    [SENT, SENT, false],
    [SENT, DELIVERED, true],
    [SENT, READ, true],
    [SENT, FAILED, true],
    [DELIVERED, SENT, false],
    [DELIVERED, DELIVERED, false],
    [DELIVERED, READ, true],
    [DELIVERED, FAILED, false],
    [READ, SENT, false],
    [READ, DELIVERED, false],
    [READ, READ, false],
    [READ, FAILED, false],
    [FAILED, SENT, false],
    [FAILED, DELIVERED, false],
    [FAILED, READ, false],
    [FAILED, FAILED, false],
  ])('%s → %s: %s', (from, to, expected) => {
    expect(movesForward(from, to)).toBe(expected);
  });
});

describe('deliveryErrorOf: FAILED needs a reason, the others take none', () => {
  it.each<[string, MessageDeliveryStatus, string | null | undefined, string | null]>([
    ['FAILED with a reason', FAILED, 'number unreachable', 'number unreachable'],
    ['FAILED, trimmed', FAILED, '  131026: undeliverable \n', '131026: undeliverable'],
    ['FAILED, 1,000 characters', FAILED, 'x'.repeat(1_000), 'x'.repeat(1_000)],
    ['FAILED, 1,000 emoji (2,000 UTF-16 units)', FAILED, '😀'.repeat(1_000), '😀'.repeat(1_000)],
    ['SENT without', SENT, undefined, null],
    ['DELIVERED with null', DELIVERED, null, null],
    ['READ without', READ, undefined, null],
  ])('accepts %s', (_label, status, error, expected) => {
    expect(deliveryErrorOf('input.error', status, error)).toBe(expected);
  });

  it.each<[string, MessageDeliveryStatus, string | null | undefined]>([
    ['FAILED without a reason', FAILED, undefined],
    ['FAILED with null', FAILED, null],
    ['FAILED with an empty reason', FAILED, ''],
    ['FAILED with a blank reason', FAILED, ' \t\n'],
    ['FAILED with 1,001 characters', FAILED, 'x'.repeat(1_001)],
    ['FAILED with 1,001 emoji', FAILED, '😀'.repeat(1_001)],
    ['SENT with a reason', SENT, 'oops'],
    ['DELIVERED with an empty reason', DELIVERED, ''],
    ['READ with a reason', READ, 'read twice'],
  ])('refuses %s with BAD_USER_INPUT on input.error', (_label, status, error) => {
    expect(() => deliveryErrorOf('input.error', status, error)).toThrow(refusal('input.error'));
    expect(() => deliveryErrorOf('input.error', status, error)).toThrow(DomainError);
  });

  it('allows 1,000 characters', () => {
    expect(MAX_DELIVERY_ERROR_LENGTH).toBe(1_000);
  });
});

describe('applyDeliveryReport: what a receipt writes, or null when it changes nothing', () => {
  const earlier = new Date('2026-03-01T10:00:00.000Z');
  const now = new Date('2026-03-01T10:05:00.000Z');
  const none: DeliveryState = {
    status: null,
    deliveredAt: null,
    readAt: null,
    error: null,
    externalId: null,
  };
  const sent: DeliveryState = { ...none, status: SENT };
  const delivered: DeliveryState = { ...none, status: DELIVERED, deliveredAt: earlier };
  const read: DeliveryState = { ...none, status: READ, deliveredAt: earlier, readAt: earlier };
  const failed: DeliveryState = { ...none, status: FAILED, error: 'gone' };
  const report = (status: MessageDeliveryStatus, externalId: string | null = null) => ({
    status,
    error: status === FAILED ? 'unreachable' : null,
    externalId,
  });

  it.each<[string, DeliveryState, ReturnType<typeof report>, DeliveryState | null]>([
    ['SENT first', none, report(SENT), sent],
    [
      'DELIVERED first stamps deliveredAt',
      none,
      report(DELIVERED),
      { ...none, status: DELIVERED, deliveredAt: now },
    ],
    [
      'READ first stamps readAt and deliveredAt',
      none,
      report(READ),
      { ...none, status: READ, deliveredAt: now, readAt: now },
    ],
    ['SENT → DELIVERED', sent, report(DELIVERED), { ...sent, status: DELIVERED, deliveredAt: now }],
    [
      'DELIVERED → READ keeps deliveredAt',
      delivered,
      report(READ),
      { ...delivered, status: READ, readAt: now },
    ],
    ['FAILED first keeps the error', none, report(FAILED), { ...none, status: FAILED, error: 'unreachable' }],
    ['SENT → FAILED', sent, report(FAILED), { ...sent, status: FAILED, error: 'unreachable' }],
    ['SENT again', sent, report(SENT), null],
    ['a late DELIVERED after READ', read, report(DELIVERED), null],
    ['a late SENT after DELIVERED', delivered, report(SENT), null],
    ['FAILED after DELIVERED', delivered, report(FAILED), null],
    ['FAILED after READ', read, report(FAILED), null],
    ['DELIVERED after FAILED', failed, report(DELIVERED), null],
    ['FAILED again keeps the first error', failed, report(FAILED), null],
    [
      'SENT with the partner id attaches it',
      none,
      report(SENT, 'wamid.1'),
      { ...sent, externalId: 'wamid.1' },
    ],
    [
      'a late receipt still attaches a new partner id',
      read,
      report(DELIVERED, 'wamid.1'),
      { ...read, externalId: 'wamid.1' },
    ],
    ['the same partner id again, no move', { ...read, externalId: 'wamid.1' }, report(READ, 'wamid.1'), null],
    [
      'the same partner id again, with a move',
      { ...sent, externalId: 'wamid.1' },
      report(DELIVERED, 'wamid.1'),
      { ...sent, externalId: 'wamid.1', status: DELIVERED, deliveredAt: now },
    ],
    [
      'no partner id keeps the one it has',
      { ...sent, externalId: 'wamid.1' },
      report(READ),
      { ...sent, externalId: 'wamid.1', status: READ, deliveredAt: now, readAt: now },
    ],
  ])('%s', (_label, state, given, expected) => {
    expect(applyDeliveryReport(state, given, now)).toEqual(expected);
  });

  it.each<[string, DeliveryState, ReturnType<typeof report>]>([
    ['with a move', { ...sent, externalId: 'wamid.1' }, report(DELIVERED, 'wamid.2')],
    ['without a move', { ...read, externalId: 'wamid.1' }, report(SENT, 'wamid.2')],
  ])('refuses another partner id for a message that has one (%s)', (_label, state, given) => {
    expect(() => applyDeliveryReport(state, given, now)).toThrow(refusal('input.externalMessageId'));
  });
});
