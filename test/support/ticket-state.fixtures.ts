import { ConversationStyleKind } from '../../src/domain/conversation-style/conversation-style.rules';
import type {
  TicketChange,
  TicketState,
  TransitionRefusal,
  TransitionResult,
} from '../../src/domain/ticket/ticket-transition';
import {
  type Actor,
  ActorType,
  SYSTEM_ACTOR,
  TicketChangeKind,
  type TicketStatus,
} from '../../src/domain/ticket/ticket.enums';

/** Shared by the pure transition() tests: fixed people, fixed times, frozen states. */
export const AGENT_1 = 'agent-1';
export const AGENT_2 = 'agent-2';
export const otherAgent: Actor = { type: ActorType.AGENT, id: AGENT_2 };
export const admin: Actor = { type: ActorType.ADMIN };
export const integration: Actor = { type: ActorType.INTEGRATION, id: 'channel-1' };
export const system: Actor = SYSTEM_ACTOR;

export const SOLVED_AT = new Date('2024-03-01T09:30:00.000Z');
/** SOLVED_AT + 345,600 s (4 days). */
export const SOLVED_CLOSES_AT = new Date('2024-03-05T09:30:00.000Z');
export const CLOSED_AT = new Date('2024-03-05T09:30:00.000Z');
export const NOW = new Date('2024-03-01T10:00:00.000Z');

/** A state on a 4-day social style, no solve, no offer, with `fields` over it; frozen so any mutation throws. */
export function frozenTicket(
  fields: Pick<TicketState, 'status' | 'assigneeId' | 'assigneeStatus'> & Partial<TicketState>,
): TicketState {
  return Object.freeze({
    styleKind: ConversationStyleKind.SOCIAL_MESSAGING,
    closeAfterSolvedSeconds: 345_600,
    solvedAt: null,
    closesAt: null,
    closedAt: null,
    reopenCount: 0,
    offeredToId: null,
    offerExpiresAt: null,
    ...fields,
  });
}

export const statusChange = (fromStatus: TicketStatus, toStatus: TicketStatus): TicketChange => ({
  kind: TicketChangeKind.STATUS_CHANGED,
  fromStatus,
  toStatus,
});

/** A refusal is exactly { ok, code, reason }: it says why and carries no next state, changes or effects. */
export function expectRefused(
  result: TransitionResult | TransitionRefusal,
  code: TransitionRefusal['code'],
): void {
  expect(result).toStrictEqual({ ok: false, code, reason: expect.stringMatching(/\S/) });
  expect(Object.keys(result).sort()).toStrictEqual(['code', 'ok', 'reason']);
  expect(result).not.toHaveProperty('next');
  expect(result).not.toHaveProperty('changes');
  expect(result).not.toHaveProperty('effects');
}
