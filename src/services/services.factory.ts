import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../domain/clock';
import { AgentService } from './agent.service';
import { AuthService } from './auth.service';
import { ChannelService } from './channel.service';
import { ConversationStyleService } from './conversation-style.service';
import { RoutingSettingsService } from './routing-settings.service';

export interface Services {
  auth: AuthService;
  agents: AgentService;
  conversationStyles: ConversationStyleService;
  channels: ChannelService;
  routingSettings: RoutingSettingsService;
}

export interface ServiceDeps {
  /** The root EntityManager; every service method forks its own. */
  em: EntityManager;
  clock: Clock;
  adminToken: string;
}

/** The one place services are built: the GraphQL context and the job handlers both take them from here. */
export function createServices({ em, clock, adminToken }: ServiceDeps): Services {
  const auth = new AuthService(em, clock, adminToken);
  return {
    auth,
    agents: new AgentService(em, clock, auth),
    conversationStyles: new ConversationStyleService(em, clock),
    channels: new ChannelService(em, clock, auth),
    routingSettings: new RoutingSettingsService(em, clock),
  };
}
