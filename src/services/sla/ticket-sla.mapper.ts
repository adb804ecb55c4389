import { ref } from '@mikro-orm/core';
import {
  type BusinessClock,
  matchPolicy,
  nextSlaCheck,
  type SlaDueTimes,
  type SlaPolicyData,
  slaDueTimes,
  type SlaFacts,
} from '../../domain/sla/sla.rules';
import { addBusinessSeconds } from '../../domain/sla/business-time';
import { SlaPolicyEntity } from '../../entities/sla-policy.entity';
import type { TicketEntity } from '../../entities/ticket.entity';

/** Between the ticket row and the domain's SLA data (docs/domain.md "SLA"). */

export function slaFactsOf(ticket: TicketEntity): SlaFacts {
  return {
    status: ticket.status,
    createdAt: ticket.createdAt,
    firstEndUserMessageAt: ticket.firstEndUserMessageAt,
    firstAgentReplyAt: ticket.firstAgentReplyAt,
    replyOwedSince: ticket.replyOwedSince,
  };
}

export function dueTimesOf(ticket: TicketEntity): SlaDueTimes {
  return {
    firstReplyDueAt: ticket.firstReplyDueAt,
    nextReplyDueAt: ticket.nextReplyDueAt,
    resolutionDueAt: ticket.resolutionDueAt,
  };
}

const sameTime = (a: Date | null, b: Date | null): boolean =>
  a === null || b === null ? a === b : a.getTime() === b.getTime();

/**
 * Evaluates the ticket's SLA after changes that may move it: its policy (matched afresh when
 * `rematch`, else the one it follows, gone if deleted meanwhile), each target's due time, and the
 * next look. Only what differs is assigned, so an unchanged ticket is not written for it. Returns
 * the new time of the next look when it moved (the breach job is then scheduled for it), else null.
 */
export function settleTicketSla(
  ticket: TicketEntity,
  policies: readonly SlaPolicyData[],
  rematch: boolean,
  add: BusinessClock = addBusinessSeconds,
): Date | null {
  const policy = rematch
    ? matchPolicy(policies, { priority: ticket.priority, channelId: ticket.channel.id })
    : (policies.find((p) => p.id === ticket.slaPolicy?.id) ?? null);
  if ((ticket.slaPolicy?.id ?? null) !== (policy?.id ?? null)) {
    ticket.slaPolicy = policy === null ? null : ref(SlaPolicyEntity, policy.id);
  }
  const due = slaDueTimes(policy, slaFactsOf(ticket), add);
  if (!sameTime(ticket.firstReplyDueAt, due.firstReplyDueAt)) ticket.firstReplyDueAt = due.firstReplyDueAt;
  if (!sameTime(ticket.nextReplyDueAt, due.nextReplyDueAt)) ticket.nextReplyDueAt = due.nextReplyDueAt;
  if (!sameTime(ticket.resolutionDueAt, due.resolutionDueAt)) ticket.resolutionDueAt = due.resolutionDueAt;
  const check = nextSlaCheck(due, ticket.slaBreached);
  if (sameTime(ticket.slaCheckAt, check)) return null;
  ticket.slaCheckAt = check;
  return check;
}
