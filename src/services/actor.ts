import type { Principal } from '../domain/auth/principal';
import { unauthenticated } from '../domain/errors';
import { type Actor, ActorType } from '../domain/ticket/ticket.enums';

/** The event log's "who" for a signed-in caller. */
export function actorOf(principal: Principal): Actor {
  switch (principal.role) {
    case 'ADMIN':
      return { type: ActorType.ADMIN };
    case 'AGENT':
      return { type: ActorType.AGENT, id: principal.agentId };
    case 'INTEGRATION':
      return { type: ActorType.INTEGRATION, id: principal.channelId };
    case 'ANONYMOUS':
      throw unauthenticated('Sign in first');
  }
}
