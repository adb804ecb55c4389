import type { Principal } from '../auth/principal';
import { badInput, forbidden } from '../errors';

/**
 * docs/domain.md "Read state": only agents keep read marks. Admins are one shared operator token
 * and integrations speak for end users, so neither has an inbox of its own to mark.
 */
export function readerOf(principal: Principal): string | null {
  return principal.role === 'AGENT' ? principal.agentId : null;
}

/** The agent whose mark `markRead` moves; anyone else is FORBIDDEN. */
export function requireReader(principal: Principal): string {
  const agentId = readerOf(principal);
  if (agentId === null) throw forbidden('Only agents keep read state: markRead is for agents');
  return agentId;
}

/**
 * A mark names a sequence of the thread: 0 (nothing read) up to the ticket's last message. The upper
 * bound needs the ticket, so it is checked again where the ticket is read (`lastSequence`).
 */
export function checkUpToSequence(upToSequence: number, lastSequence: number | null = null): void {
  if (!Number.isInteger(upToSequence) || upToSequence < 0) {
    throw badInput('upToSequence', 'upToSequence must be a whole number, 0 or more');
  }
  if (lastSequence !== null && upToSequence > lastSequence) {
    throw badInput(
      'upToSequence',
      `upToSequence must be at most the ticket's last message sequence (${lastSequence})`,
    );
  }
}
