import { registerEnumType } from 'type-graphql';
import { AgentStatus } from '../domain/agent/agent.rules';
import { ChannelKind } from '../domain/channel/channel.rules';
import { ConversationStyleKind } from '../domain/conversation-style/conversation-style.rules';

registerEnumType(AgentStatus, {
  name: 'AgentStatus',
  description: 'Whether routing may offer the agent tickets (only ONLINE agents are offered).',
});
registerEnumType(ConversationStyleKind, {
  name: 'ConversationStyleKind',
  description: 'What solving a ticket and a returning customer do.',
});
registerEnumType(ChannelKind, { name: 'ChannelKind', description: 'Where end users write in from.' });

export { AgentStatus, ChannelKind, ConversationStyleKind };
