import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuthLimits } from '../config/limits';
import type { Clock } from '../domain/clock';
import type { TicketEventBus } from '../events/ticket-event.bus';
import type { Logger } from '../observability/logger';
import { AgentChangesFeed } from './agent-changes.feed';
import { AgentService } from './agent.service';
import { AttachmentService, type AttachmentSettings } from './attachments/attachment.service';
import type { AttachmentStorage } from './attachments/attachment-storage.port';
import { ApiTokenService } from './api-token.service';
import { AuthService } from './auth.service';
import { ChannelService } from './channel.service';
import { ConversationStyleService } from './conversation-style.service';
import { ReadStateService } from './desk/read-state.service';
import { MessageService } from './message.service';
import { NodeService } from './node.service';
import { QueueStatsFeed } from './routing/queue-stats.feed';
import { OfferService } from './routing/offer.service';
import { AgentConnectionRegistry } from './presence/agent-connections.registry';
import { PresenceService } from './presence/presence.service';
import { AfterCommit, type RouteRequester } from './changes/after-commit';
import { ChangeRunner } from './changes/change.runner';
import { RoutingSettingsService } from './routing-settings.service';
import { RoutingService } from './routing/routing.service';
import type { ServiceMetrics } from './metrics.port';
import type { AutomationScheduler } from './scheduler.port';
import { TicketStatsService } from './stats/ticket-stats.service';
import { TicketChangeService } from './ticket-change.service';
import { TicketService } from './ticket.service';
import { TransferService } from './tickets/transfer.service';
import { SlaService } from './sla/sla.service';
import { TicketUpdateService } from './tickets/ticket-update.service';
import { TypingFeed } from './typing/typing.feed';
import { TypingService } from './typing/typing.service';
import {
  DEFAULT_PRESENCE_TIMING,
  DEFAULT_TYPING_LAPSE_MS,
  DEFAULT_WEBSOCKET_LIMITS,
  type PresenceTiming,
} from '../config/limits';
import { defaultWebhookConfig, type WebhookConfig } from '../config/config';
import { WebhookEndpointService } from './webhooks/webhook-endpoint.service';
import { WebhookDeliveryEngine } from './webhooks/webhook-delivery.engine';

export interface Services {
  auth: AuthService;
  tokens: ApiTokenService;
  agents: AgentService;
  conversationStyles: ConversationStyleService;
  channels: ChannelService;
  routingSettings: RoutingSettingsService;
  routing: RoutingService;
  offers: OfferService;
  tickets: TicketService;
  /** transferTicket: a ticket handed to a colleague or back to the queue (docs/domain.md "Transfer"). */
  transfers: TransferService;
  /** updateTicket: a ticket's priority and skills, by its assignee or an admin (docs/domain.md "Skills timeout"). */
  ticketUpdates: TicketUpdateService;
  messages: MessageService;
  /** Agents' read marks and unread counts (docs/domain.md "Read state"). */
  readState: ReadStateService;
  /** `node(id)`: any object by its id, as the caller's own reads show it. */
  nodes: NodeService;
  /** Dashboards' aggregates (docs/domain.md "Dashboards"). */
  ticketStats: TicketStatsService;
  /** This process's view of the event stream: its listeners, announcements, settle(). */
  events: TicketEventBus;
  /** Catch-up reads of the stream and resumable subscriptions to it. */
  ticketChanges: TicketChangeService;
  queueStats: QueueStatsFeed;
  /** `agentChanged`: agents' status, capacity and load as they change. */
  agentChanges: AgentChangesFeed;
  /** Partners' webhook endpoints, their secrets and delivery logs (not the sending). */
  webhookEndpoints: WebhookEndpointService;
  /** Sending them: changes to deliveries, signed POSTs, retries; started and stopped by the app. */
  webhookDelivery: WebhookDeliveryEngine;
  /** Uploads, attaching them to messages, the signed links that serve them, and their sweep. */
  attachments: AttachmentService;
  /** Typing indicators: announced across processes, never stored; stopped by the app. */
  typing: TypingService;
  /** SLA policies, and breaching a ticket's targets at their due time (docs/domain.md "SLA"). */
  sla: SlaService;
  /** AWAY after the last socket, tickets back from OFFLINE agents: the checks, jobs and sweep (docs/domain.md "Presence"). */
  presence: PresenceService;
  /** This process's agent sockets, shared with the others through the database; started and stopped by the app. */
  agentConnections: AgentConnectionRegistry;
}

export interface ServiceDeps {
  /** The root EntityManager; every service method forks its own. */
  em: EntityManager;
  clock: Clock;
  adminToken: string;
  events: TicketEventBus;
  logger: Logger;
  scheduler: AutomationScheduler;
  /** Failed authentications per client address and the negative cache; the defaults if absent. */
  auth?: Pick<AuthLimits, 'failures' | 'negativeCacheMs'>;
  /** Where routing runs are reported; nowhere if absent. */
  metrics?: ServiceMetrics;
  /** Live changes held for a subscriber that is not reading (the default if absent). */
  subscriberBuffer?: number;
  /** Outbound webhooks' settings (development's defaults if absent). */
  webhooks?: WebhookConfig;
  /** Where uploads' bytes live, and the attach window and links' settings. */
  attachments: { storage: AttachmentStorage; settings: AttachmentSettings };
  /** When an unrenewed `typing: true` lapses (the default if absent). */
  typingLapseMs?: number;
  /** Processes' heartbeats for presence (the defaults if absent). */
  presenceTiming?: PresenceTiming;
}

/** The one place services are built: the GraphQL context and the job handlers both take them from here. */
export function createServices({
  em,
  clock,
  adminToken,
  events,
  logger,
  scheduler,
  auth: authLimits,
  metrics,
  subscriberBuffer = DEFAULT_WEBSOCKET_LIMITS.subscriberBuffer,
  webhooks = defaultWebhookConfig(false),
  attachments: attachmentDeps,
  typingLapseMs = DEFAULT_TYPING_LAPSE_MS,
  presenceTiming = DEFAULT_PRESENCE_TIMING,
}: ServiceDeps): Services {
  const auth = new AuthService(em, clock, adminToken, authLimits);
  // Every change takes one path; its after-commit step runs routing, which claims through it too.
  const afterCommit = new AfterCommit(scheduler, events, (): RouteRequester => routing, logger);
  const changes = new ChangeRunner(em, events, afterCommit);
  const routing = new RoutingService(em, clock, changes, logger, metrics);
  const agents = new AgentService(em, clock, auth, changes);
  const attachments = new AttachmentService(
    em,
    clock,
    attachmentDeps.storage,
    attachmentDeps.settings,
    logger,
  );
  const tickets = new TicketService(em, clock, changes);
  const presence = new PresenceService(em, clock, changes);
  const services: Omit<Services, 'nodes'> = {
    auth,
    tokens: new ApiTokenService(em, clock, auth, events),
    routing,
    offers: new OfferService(em, clock, changes),
    agents,
    conversationStyles: new ConversationStyleService(em, clock, changes),
    channels: new ChannelService(em, clock, auth),
    routingSettings: new RoutingSettingsService(em, clock),
    tickets,
    transfers: new TransferService(em, clock, changes),
    ticketUpdates: new TicketUpdateService(em, clock, changes),
    messages: new MessageService(em, clock, changes, attachments),
    readState: new ReadStateService(em, clock),
    ticketStats: new TicketStatsService(em),
    events,
    ticketChanges: new TicketChangeService(em, events, subscriberBuffer),
    queueStats: new QueueStatsFeed(routing, events, (err) =>
      logger.error({ err }, 'queue figures could not be computed'),
    ),
    agentChanges: new AgentChangesFeed(agents, routing, events, (err) =>
      logger.error({ err }, 'changed agents could not be read; reading again'),
    ),
    webhookEndpoints: new WebhookEndpointService(em, clock, webhooks),
    webhookDelivery: new WebhookDeliveryEngine({
      em,
      clock,
      logger,
      events,
      config: webhooks,
      metrics,
      attachmentUrl: (id) => attachments.link({ id }),
    }),
    attachments,
    typing: new TypingService(clock, events, tickets, new TypingFeed(events, clock, typingLapseMs)),
    sla: new SlaService(em, clock, changes),
    presence,
    agentConnections: new AgentConnectionRegistry(em, presence, presenceTiming, logger),
  };
  // node(id) reads through the per-type services, so it shows what their own reads show.
  return { ...services, nodes: new NodeService(em, services) };
}
