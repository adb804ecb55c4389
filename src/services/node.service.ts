import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../domain/auth/principal';
import { seesAgents } from '../domain/auth/visibility';
import { DomainError } from '../domain/errors';
import type { AgentEntity } from '../entities/agent.entity';
import type { ChannelEntity } from '../entities/channel.entity';
import type { ConversationStyleEntity } from '../entities/conversation-style.entity';
import type { EndUserEntity } from '../entities/end-user.entity';
import type { MessageEntity } from '../entities/message.entity';
import type { TicketEntity } from '../entities/ticket.entity';
import type { SlaPolicyEntity } from '../entities/sla-policy.entity';
import type { WebhookEndpointEntity } from '../entities/webhook-endpoint.entity';
import type { AgentService } from './agent.service';
import type { ChannelService } from './channel.service';
import type { ConversationStyleService } from './conversation-style.service';
import { isId } from './ids';
import type { MessageService } from './message.service';
import type { SlaService } from './sla/sla.service';
import type { TicketService } from './ticket.service';
import type { WebhookEndpointService } from './webhooks/webhook-endpoint.service';

/** An object `node(id)` found, with the type it is shown as. */
export type FoundNode =
  | { type: 'Ticket'; entity: TicketEntity }
  | { type: 'Message'; entity: MessageEntity }
  | { type: 'Agent'; entity: AgentEntity }
  | { type: 'Channel'; entity: ChannelEntity }
  | { type: 'EndUser'; entity: EndUserEntity }
  | { type: 'ConversationStyle'; entity: ConversationStyleEntity }
  | { type: 'WebhookEndpoint'; entity: WebhookEndpointEntity }
  | { type: 'SlaPolicy'; entity: SlaPolicyEntity };

type NodeTypeName = FoundNode['type'];

/**
 * The tables whose rows are Nodes. Ids are UUIDs drawn independently for every row of every table,
 * so an id names at most one row among them.
 */
const NODE_TABLES: readonly (readonly [NodeTypeName, string])[] = [
  ['Ticket', 'tickets'],
  ['Message', 'messages'],
  ['Agent', 'agents'],
  ['Channel', 'channels'],
  ['EndUser', 'end_users'],
  ['ConversationStyle', 'conversation_styles'],
  ['WebhookEndpoint', 'webhook_endpoints'],
  ['SlaPolicy', 'sla_policies'],
];

// One statement, one primary-key probe per table.
const LOCATE_SQL = NODE_TABLES.map(
  ([type, table]) => `select '${type}' as type from ${table} where id = ?`,
).join(' union all ');

export interface NodeReads {
  tickets: TicketService;
  messages: MessageService;
  agents: AgentService;
  channels: ChannelService;
  conversationStyles: ConversationStyleService;
  webhookEndpoints: WebhookEndpointService;
  sla: SlaService;
}

/**
 * `node(id)` (docs/domain.md "Finding any object by id"): the row's table, then that type's own read,
 * so that node(id) shows exactly what the type's own query would show this caller. Anything the
 * caller may not see is null, as an unknown or malformed id is: nothing tells them apart.
 */
export class NodeService {
  constructor(
    private readonly em: EntityManager,
    private readonly reads: NodeReads,
  ) {}

  async find(viewer: Principal, id: string): Promise<FoundNode | null> {
    if (!isId(id)) return null;
    const key = id.toLowerCase();
    const [row] = await this.em.getConnection().execute<{ type: NodeTypeName }[]>(
      LOCATE_SQL,
      NODE_TABLES.map(() => key),
    );
    if (!row) return null;
    try {
      return await this.read(viewer, row.type, key);
    } catch (error) {
      // The type's own read refusing it (hidden from this caller, or deleted since): not there.
      if (error instanceof DomainError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  private async read(viewer: Principal, type: NodeTypeName, id: string): Promise<FoundNode | null> {
    switch (type) {
      case 'Ticket':
        return { type, entity: await this.reads.tickets.get(viewer, id) };
      case 'Message':
        return { type, entity: await this.reads.messages.get(viewer, id) };
      case 'Agent':
        // agent(id) is for admins and agents only.
        return seesAgents(viewer) ? { type, entity: await this.reads.agents.get(id) } : null;
      case 'Channel':
        return { type, entity: await this.reads.channels.get(viewer, id) };
      case 'EndUser':
        return { type, entity: await this.reads.tickets.getEndUser(viewer, id) };
      case 'ConversationStyle': {
        // Every signed-in caller reads every style (conversationStyles).
        const [style] = await this.reads.conversationStyles.findByIds([id]);
        return style ? { type, entity: style } : null;
      }
      case 'WebhookEndpoint':
        // webhookEndpoint(id): admins any, an integration its own channel's, agents none.
        return { type, entity: await this.reads.webhookEndpoints.get(viewer, id) };
      case 'SlaPolicy':
        // slaPolicies: admins and agents.
        return { type, entity: await this.reads.sla.get(viewer, id) };
    }
  }
}
