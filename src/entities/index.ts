import { AgentConnectionEntity } from './agent-connection.entity';
import { AgentDisconnectEntity } from './agent-disconnect.entity';
import { AgentEntity } from './agent.entity';
import { ApiTokenEntity } from './api-token.entity';
import { ChannelEntity } from './channel.entity';
import { ConversationStyleEntity } from './conversation-style.entity';
import { EndUserEntity } from './end-user.entity';
import { MessageEntity } from './message.entity';
import { PresenceProcessEntity } from './presence-process.entity';
import { RoutingSettingsEntity } from './routing-settings.entity';
import { ServerSecretEntity } from './server-secret.entity';
import { SlaPolicyEntity } from './sla-policy.entity';
import { TicketEventEntity } from './ticket-event.entity';
import { TicketReadEntity } from './ticket-read.entity';
import { TicketEntity } from './ticket.entity';
import { UploadEntity } from './upload.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

export const entities = [
  AgentConnectionEntity,
  AgentDisconnectEntity,
  AgentEntity,
  ApiTokenEntity,
  ChannelEntity,
  ConversationStyleEntity,
  EndUserEntity,
  MessageEntity,
  PresenceProcessEntity,
  RoutingSettingsEntity,
  ServerSecretEntity,
  SlaPolicyEntity,
  TicketEntity,
  TicketEventEntity,
  TicketReadEntity,
  UploadEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
];
