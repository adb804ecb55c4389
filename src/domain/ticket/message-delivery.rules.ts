import { badInput } from '../errors';

/** How far an agent's message got on the partner's side (docs/domain.md "Delivery receipts"). */
export enum MessageDeliveryStatus {
  SENT = 'SENT',
  DELIVERED = 'DELIVERED',
  READ = 'READ',
  FAILED = 'FAILED',
}

export const MAX_DELIVERY_ERROR_LENGTH = 1_000;

/** A message's receipts as stored, and the partner's id for it. */
export interface DeliveryState {
  readonly status: MessageDeliveryStatus | null;
  readonly deliveredAt: Date | null;
  readonly readAt: Date | null;
  readonly error: string | null;
  readonly externalId: string | null;
}

/** One receipt from the partner, validated (deliveryErrorOf, normalizeExternalId). */
export interface DeliveryReport {
  readonly status: MessageDeliveryStatus;
  readonly error: string | null;
  readonly externalId: string | null;
}

// The way to the end user. FAILED is off this line: an outcome that only a message not yet
// delivered can have (movesForward).
const RANK: Readonly<Record<Exclude<MessageDeliveryStatus, MessageDeliveryStatus.FAILED>, number>> = {
  SENT: 1,
  DELIVERED: 2,
  READ: 3,
};

/**
 * The error that goes with a status: FAILED needs one (trimmed, 1 to 1,000 characters counted in
 * code points); any other status takes none, so a partner that sends one learns its mapping is wrong
 * rather than having it dropped.
 */
export function deliveryErrorOf(
  field: string,
  status: MessageDeliveryStatus,
  error: string | null | undefined,
): string | null {
  if (status !== MessageDeliveryStatus.FAILED) {
    if (error !== null && error !== undefined) {
      throw badInput(field, `${field} is only for status FAILED; leave it out for ${status}`);
    }
    return null;
  }
  const trimmed = error?.trim() ?? '';
  if (trimmed.length === 0) throw badInput(field, `${field} is required with status FAILED: say why`);
  if ([...trimmed].length > MAX_DELIVERY_ERROR_LENGTH) {
    throw badInput(field, `${field} must be at most ${MAX_DELIVERY_ERROR_LENGTH} characters`);
  }
  return trimmed;
}

/**
 * Whether a receipt takes a message further: SENT < DELIVERED < READ, skipping allowed (a READ may
 * be the first receipt); FAILED only from no status or SENT, and nothing after FAILED (it is final).
 * Anything else is late or out of order and changes nothing: receipts only move forward.
 */
export function movesForward(from: MessageDeliveryStatus | null, to: MessageDeliveryStatus): boolean {
  if (from === MessageDeliveryStatus.FAILED) return false;
  if (to === MessageDeliveryStatus.FAILED) return from === null || from === MessageDeliveryStatus.SENT;
  return (from === null ? 0 : RANK[from]) < RANK[to];
}

/**
 * The message's receipts after this report, or null when it changes nothing (a status that does
 * not move forward and no new externalId): then no change is recorded. DELIVERED stamps
 * deliveredAt; READ stamps readAt, and deliveredAt too when no DELIVERED came first (read implies
 * delivered); FAILED keeps its error. A message's partner id is attached once: the same id again is
 * fine, a different one is refused whatever the status does.
 */
export function applyDeliveryReport(
  state: DeliveryState,
  report: DeliveryReport,
  now: Date,
  externalIdField = 'input.externalMessageId',
): DeliveryState | null {
  if (report.externalId !== null && state.externalId !== null && report.externalId !== state.externalId) {
    throw badInput(
      externalIdField,
      `${externalIdField} differs from the one this message already has; a message has one partner id`,
    );
  }
  const externalId = state.externalId ?? report.externalId;
  if (!movesForward(state.status, report.status)) {
    return externalId === state.externalId ? null : { ...state, externalId };
  }
  const next: DeliveryState = { ...state, status: report.status, externalId };
  switch (report.status) {
    case MessageDeliveryStatus.SENT:
      return next;
    case MessageDeliveryStatus.DELIVERED:
      return { ...next, deliveredAt: state.deliveredAt ?? now };
    case MessageDeliveryStatus.READ:
      return { ...next, deliveredAt: state.deliveredAt ?? now, readAt: now };
    case MessageDeliveryStatus.FAILED:
      return { ...next, error: report.error };
  }
}
