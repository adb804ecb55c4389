import { AgentEntity } from './agent.entity';
import { ApiTokenEntity } from './api-token.entity';
import { ChannelEntity } from './channel.entity';
import { ConversationStyleEntity } from './conversation-style.entity';
import { RoutingSettingsEntity } from './routing-settings.entity';

export const entities = [
  AgentEntity,
  ApiTokenEntity,
  ChannelEntity,
  ConversationStyleEntity,
  RoutingSettingsEntity,
];
