import DataLoader from 'dataloader';
import type { AgentEntity } from '../entities/agent.entity';
import type { ApiTokenEntity } from '../entities/api-token.entity';
import type { ChannelEntity } from '../entities/channel.entity';
import type { ConversationStyleEntity } from '../entities/conversation-style.entity';
import type { EndUserEntity } from '../entities/end-user.entity';
import type { SlaPolicyEntity } from '../entities/sla-policy.entity';
import type { TicketEntity } from '../entities/ticket.entity';
import type { UploadEntity } from '../entities/upload.entity';
import type { WebhookEndpointEntity } from '../entities/webhook-endpoint.entity';
import type { TicketChangeEvent } from '../events/ticket-event.bus';
import type { Principal } from '../domain/auth/principal';
import type { ReadState } from '../services/desk/read-state.store';
import type { Services } from '../services/services.factory';

/** Per-request batching, so a page of N tickets costs one query per related table, not N. */
export interface Loaders {
  agent: DataLoader<string, AgentEntity | undefined>;
  channel: DataLoader<string, ChannelEntity | undefined>;
  conversationStyle: DataLoader<string, ConversationStyleEntity | undefined>;
  endUser: DataLoader<string, EndUserEntity | undefined>;
  ticket: DataLoader<string, TicketEntity | undefined>;
  agentLoad: DataLoader<string, number>;
  agentTokens: DataLoader<string, ApiTokenEntity[]>;
  channelTokens: DataLoader<string, ApiTokenEntity[]>;
  webhookEndpoint: DataLoader<string, WebhookEndpointEntity | undefined>;
  /** A ticket's SLA policy: one query for a page of tickets. */
  slaPolicy: DataLoader<string, SlaPolicyEntity | undefined>;
  /** A change of the event log by its log id (a webhook delivery's), loaded as the stream loads it. */
  changeByEventId: DataLoader<string, TicketChangeEvent | undefined>;
  /** A message's attachments by the message's id: one query for a page of messages. */
  messageAttachments: DataLoader<string, UploadEntity[]>;
  /** A ticket's read state for the calling agent: one statement for a page of tickets. */
  readState: DataLoader<ReadStateKey, ReadState | undefined, string>;
}

/** Keyed by caller too: the loaders are made before any principal is known to them. */
export interface ReadStateKey {
  readonly principal: Principal;
  readonly ticketId: string;
}

/**
 * `cache: false` for a subscription's own context: it lives as long as the subscription, and a
 * cache there would serve every later event the data of the first. Each event's execution gets
 * cached loaders of its own (graphql/shared-subscribe.ts).
 */
export function createLoaders(services: Services, { cache }: { cache: boolean }): Loaders {
  function byId<T extends { id: string }>(load: (ids: readonly string[]) => Promise<T[]>) {
    return new DataLoader<string, T | undefined>(
      async (ids) => {
        const rows = new Map((await load(ids)).map((row) => [row.id, row]));
        return ids.map((id) => rows.get(id));
      },
      { cache },
    );
  }
  function tokensOf(owner: 'agent' | 'channel') {
    return new DataLoader<string, ApiTokenEntity[]>(
      async (ids) => {
        const tokens = await services.tokens.listFor(
          owner === 'agent' ? { agentIds: ids } : { channelIds: ids },
        );
        return ids.map((id) => tokens.filter((t) => t[owner]?.id === id));
      },
      { cache },
    );
  }
  return {
    agent: byId((ids) => services.agents.findByIds(ids)),
    channel: byId((ids) => services.channels.findByIds(ids)),
    conversationStyle: byId((ids) => services.conversationStyles.findByIds(ids)),
    endUser: byId((ids) => services.tickets.findEndUsersByIds(ids)),
    ticket: byId((ids) => services.tickets.findByIds(ids)),
    agentLoad: new DataLoader<string, number>(
      async (ids) => {
        const loads = await services.routing.loads(ids);
        return ids.map((id) => loads.get(id) ?? 0);
      },
      { cache },
    ),
    agentTokens: tokensOf('agent'),
    channelTokens: tokensOf('channel'),
    webhookEndpoint: byId((ids) => services.webhookEndpoints.findByIds(ids)),
    slaPolicy: byId((ids) => services.sla.findByIds(ids)),
    changeByEventId: new DataLoader<string, TicketChangeEvent | undefined>(
      async (ids) => {
        const changes = new Map((await services.ticketChanges.byEventIds(ids)).map((c) => [c.id, c]));
        return ids.map((id) => changes.get(id));
      },
      { cache },
    ),
    messageAttachments: new DataLoader<string, UploadEntity[]>(
      async (ids) => {
        const byMessage = new Map<string, UploadEntity[]>();
        for (const upload of await services.attachments.listForMessages(ids)) {
          const messageId = upload.message?.id ?? '';
          byMessage.set(messageId, [...(byMessage.get(messageId) ?? []), upload]);
        }
        return ids.map((id) => byMessage.get(id) ?? []);
      },
      { cache },
    ),
    readState: new DataLoader<ReadStateKey, ReadState | undefined, string>(
      async (keys) => {
        // One request is one caller: the batch is read for the first key's, and any other's apart.
        const byCaller = new Map<Principal, string[]>();
        for (const { principal, ticketId } of keys) {
          byCaller.set(principal, [...(byCaller.get(principal) ?? []), ticketId]);
        }
        const states = new Map<Principal, Map<string, ReadState>>();
        await Promise.all(
          [...byCaller].map(async ([principal, ids]) =>
            states.set(principal, await services.readState.readStates(principal, ids)),
          ),
        );
        return keys.map(({ principal, ticketId }) => states.get(principal)?.get(ticketId.toLowerCase()));
      },
      { cache, cacheKeyFn: ({ principal, ticketId }) => `${readerKey(principal)}/${ticketId}` },
    ),
  };
}

function readerKey(principal: Principal): string {
  return principal.role === 'AGENT' ? principal.agentId : principal.role;
}

/** For relations the database guarantees (foreign keys): absence means the data changed under us. */
export async function loadRequired<T>(
  loader: DataLoader<string, T | undefined>,
  id: string,
  what: string,
): Promise<T> {
  const row = await loader.load(id);
  if (row === undefined) throw new Error(`${what} ${id} is missing`);
  return row;
}
