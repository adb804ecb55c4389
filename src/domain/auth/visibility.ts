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
