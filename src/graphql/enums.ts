import { registerEnumType } from 'type-graphql';
import { AgentStatus } from '../domain/agent/agent.rules';
import { ApiTokenKind } from '../domain/auth/token-kind';
import { ChannelKind } from '../domain/channel/channel.rules';
import { ConversationStyleKind } from '../domain/conversation-style/conversation-style.rules';
import { AuthorType, TicketChangeKind, TicketPriority, TicketStatus } from '../domain/ticket/ticket.enums';

registerEnumType(AgentStatus, {
  name: 'AgentStatus',
  description: 'Whether routing may offer the agent tickets (only ONLINE agents are offered).',
});
registerEnumType(ConversationStyleKind, {
  name: 'ConversationStyleKind',
  description: 'What solving a ticket and a returning customer do.',
});
registerEnumType(ApiTokenKind, {
  name: 'ApiTokenKind',
  description: "Whom a bearer token signs in: an agent, or a channel's integration.",
});
registerEnumType(ChannelKind, { name: 'ChannelKind', description: 'Where end users write in from.' });

registerEnumType(TicketStatus, {
  name: 'TicketStatus',
  description: 'NEW → OPEN → PENDING / ON_HOLD → SOLVED → CLOSED.',
});
registerEnumType(TicketPriority, {
  name: 'TicketPriority',
  description: 'Queue order: URGENT, HIGH, NORMAL, LOW.',
});
registerEnumType(AuthorType, { name: 'AuthorType' });
registerEnumType(TicketChangeKind, { name: 'TicketChangeKind' });

export {
  AgentStatus,
  ApiTokenKind,
  AuthorType,
  ChannelKind,
  ConversationStyleKind,
  TicketChangeKind,
  TicketPriority,
  TicketStatus,
};
