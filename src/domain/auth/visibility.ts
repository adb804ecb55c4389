import type { Principal } from './principal';

/**
 * docs/domain.md "Who may do what": an integration is confined to its own channel (its tickets, their
 * messages, its end users); agents and admins see every channel. Whatever an integration may not see
 * does not exist for it, so every read asks this one rule.
 */
export function seesChannel(principal: Principal, channelId: string): boolean {
  return principal.role !== 'INTEGRATION' || principal.channelId === channelId;
}

/** `agent(id)` and `agents` are for people: an integration meets agents only on its tickets, in part. */
export function seesAgents(principal: Principal): boolean {
  return principal.role === 'ADMIN' || principal.role === 'AGENT';
}

/**
 * docs/domain.md "Internal notes": agents' and admins' notes to each other. An integration — and so
 * the end user, and every webhook — never meets one, by any path: reads, streams, catch-up,
 * search. Every place that hands out messages or their changes asks this rule (through
 * seesMessage, or a stream's ChangeFilter.internalNotes).
 */
export function seesInternalNotes(principal: Principal): boolean {
  return principal.role === 'ADMIN' || principal.role === 'AGENT';
}

/**
 * docs/domain.md "SLA": policies and a ticket's targets are the support team's own yardstick. An
 * integration (the partner, and through it the end user) does not see them: its tickets' `sla` is
 * null and `slaPolicies` refuses it.
 */
export function seesSla(principal: Principal): boolean {
  return principal.role === 'ADMIN' || principal.role === 'AGENT';
}

/** A message exists for a caller who sees its channel, and, for an internal note, sees notes. */
export function seesMessage(
  principal: Principal,
  message: { readonly channelId: string; readonly internal: boolean },
): boolean {
  return seesChannel(principal, message.channelId) && (!message.internal || seesInternalNotes(principal));
}
