import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../domain/auth/principal';
import type { Clock } from '../domain/clock';
import { DomainError, forbidden, notFound } from '../domain/errors';
import { normalizeSkills } from '../domain/skills';
import { normalizeBody, normalizeExternalId } from '../domain/ticket/message.rules';
import {
  type Actor,
  AuthorType,
  TicketChangeKind,
  TicketPriority,
  TicketStatus,
} from '../domain/ticket/ticket.enums';
import { reopensOnReply } from '../domain/conversation-style/conversation-style.rules';
import { AgentEntity } from '../entities/agent.entity';
import { ChannelEntity } from '../entities/channel.entity';
import { ConversationStyleEntity } from '../entities/conversation-style.entity';
import { EndUserEntity } from '../entities/end-user.entity';
import { MessageEntity } from '../entities/message.entity';
import { TicketEntity } from '../entities/ticket.entity';
import { actorOf } from './actor';
import { isId, requireId } from './ids';
import { lockCurrentTicket, lockEndUser, writeIngest } from './ingest-store';
import { decodeCursor, encodeCursor, validateFirst, type Page } from './pagination';
import type { ChangeRunner } from './changes/change.runner';
import type { ChangeTransaction } from './changes/change-transaction';
import { assigneeMayGainLoad, loadAssignee } from './changes/ticket-state.mapper';

export interface ReceiveMessageInput {
  channelId: string;
  externalUserId: string;
  displayName?: string | null;
  body: string;
  externalMessageId?: string | null;
  priority?: TicketPriority | null;
  requiredSkills?: readonly string[] | null;
}

export interface ReceiveMessageResult {
  message: MessageEntity;
  ticket: TicketEntity;
  ticketCreated: boolean;
  reopened: boolean;
  duplicate: boolean;
}

interface Ingest {
  channelId: string;
  externalUserId: string;
  displayName: string | null;
  body: string;
  externalMessageId: string | null;
  priority: TicketPriority;
  requiredSkills: string[];
  actor: Actor;
}

const MAX_DISPLAY_NAME = 200;
// A unique violation here means a concurrent request won a race the locks do not cover (the same
// externalMessageId from another end user of the channel); a retry then finds its result.
const RETRIED_CONSTRAINTS = new Set([
  'messages_channel_external_unique',
  'end_users_channel_external_unique',
]);

const isSequenceCursor = (parts: unknown[]): parts is [number] =>
  parts.length === 1 && Number.isInteger(parts[0]);

/** Messages: end users' through integrations (ingestion), agents' replies, and reading a ticket's thread. */
export class MessageService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly changes: ChangeRunner,
  ) {}

  async receive(viewer: Principal, input: ReceiveMessageInput): Promise<ReceiveMessageResult> {
    const channelId = requireId('Channel', input.channelId);
    if (viewer.role === 'INTEGRATION' && viewer.channelId !== channelId) {
      throw forbidden('An integration may post only to its own channel');
    }
    const displayName = input.displayName?.trim() ? input.displayName.trim() : null;
    if (displayName !== null && displayName.length > MAX_DISPLAY_NAME) {
      throw new DomainError(
        'BAD_USER_INPUT',
        `input.displayName must be at most ${MAX_DISPLAY_NAME} characters`,
        'input.displayName',
      );
    }
    const ingest: Ingest = {
      channelId,
      externalUserId: normalizeExternalId('input.externalUserId', input.externalUserId),
      displayName,
      body: normalizeBody('input.body', input.body),
      externalMessageId:
        input.externalMessageId === null || input.externalMessageId === undefined
          ? null
          : normalizeExternalId('input.externalMessageId', input.externalMessageId),
      priority: input.priority ?? TicketPriority.NORMAL,
      requiredSkills: normalizeSkills('input.requiredSkills', input.requiredSkills ?? []),
      actor: actorOf(viewer),
    };

    const { value: result, routed } = await this.changes.run((change) => this.ingest(change, ingest), {
      retryOnUnique: RETRIED_CONSTRAINTS,
    });
    // Routing may have offered or assigned the ticket itself: answer with what is committed now.
    if (!routed) return result;
    return { ...result, ticket: await this.em.fork().findOneOrFail(TicketEntity, { id: result.ticket.id }) };
  }

  /**
   * One end user's messages are serialised on their end_users row (lockEndUser locks it), so two
   * first messages at once make one ticket, and a repeat of an externalMessageId finds the first.
   * Three statements when nothing is unusual (ingest-store.ts): lock the end user, lock the ticket,
   * write; the change runner then adds the COMMIT.
   */
  private async ingest(change: ChangeTransaction, input: Ingest): Promise<ReceiveMessageResult> {
    const em = change.tx;
    const now = this.clock.now();
    // A repeat changes nothing, not even the end user: the first result is looked for before the lock.
    const { channel, repeatMessageId, endUser, routingLockShared } = await lockEndUser(em, {
      ...input,
      now,
    });
    if (!channel) throw notFound('Channel', input.channelId);
    if (repeatMessageId !== null) return this.firstResult(em, repeatMessageId);
    if (!endUser) throw new Error('the end user was neither inserted nor locked');

    const current = await lockCurrentTicket(em, endUser.id, channel.id, input.externalMessageId);
    // The same message sent twice at once by this end user: the first one has committed by now.
    // (An end user this attempt inserted has no ticket yet; if another end user of the channel
    // sent that id meanwhile, the unique index refuses the message and the runner starts over,
    // rolling the new end user back.)
    if (current?.repeatMessageId) return this.firstResult(em, current.repeatMessageId);

    // A solved ticket whose style does not reopen on reply is over for the customer (live chat
    // closes on solve, so this is only a guard): the message starts a follow-up instead.
    const reusable =
      current && !(current.ticket.status === TicketStatus.SOLVED && !reopensOnReply(current.style.kind))
        ? current
        : null;

    let ticket: TicketEntity;
    let ticketCreated = false;
    let reopened = false;
    if (!reusable) {
      ticket = this.newTicket(channel, endUser.id, input, now);
      change.created(ticket, input.actor, now);
      ticketCreated = true;
    } else {
      ticket = reusable.ticket;
      // A change that can bring the ticket back to OPEN locks the assignee's row (loadAssignee);
      // otherwise the status read with the ticket is all transition() needs.
      const assignee = assigneeMayGainLoad(ticket)
        ? await loadAssignee(em, ticket)
        : reusable.assigneeStatus && { status: reusable.assigneeStatus };
      const result = await change.change(ticket, { type: 'END_USER_MESSAGE' }, input.actor, now, {
        style: reusable.style,
        assignee,
      });
      reopened = result.changes.some((c) => c.kind === TicketChangeKind.REOPENED);
      // A run that read the queue while this transaction held the waiting ticket skipped it (SKIP
      // LOCKED); unless this transaction holds the routing lock shared, which no run can then take.
      if (ticket.status === TicketStatus.NEW && !ticket.offeredTo && !routingLockShared) {
        change.after({ type: 'ROUTE' });
      }
    }

    const message = this.newMessage(ticket, {
      authorType: AuthorType.END_USER,
      agentId: null,
      body: input.body,
      externalId: input.externalMessageId,
      createdTicket: ticketCreated,
      reopenedTicket: reopened,
      now,
    });
    change.messageAdded(ticket, message, input.actor, now);
    await writeIngest(em, {
      ticket,
      ticketCreated,
      message,
      events: change.takeUnwrittenEvents(),
      displayName:
        input.displayName !== null && input.displayName !== endUser.displayName
          ? { endUserId: endUser.id, name: input.displayName }
          : null,
    });
    return { message, ticket, ticketCreated, reopened, duplicate: false };
  }

  /** What receiveMessage answered for this message the first time, flagged as a duplicate. */
  private async firstResult(em: EntityManager, messageId: string): Promise<ReceiveMessageResult> {
    // One SELECT: the message joined with its ticket.
    const first = await em.findOneOrFail(MessageEntity, { id: messageId }, { populate: ['ticket'] });
    const ticket = first.ticket.getEntity();
    return {
      message: first,
      ticket,
      ticketCreated: first.createdTicket,
      reopened: first.reopenedTicket,
      duplicate: true,
    };
  }

  /** A new ticket (written by writeIngest, which also finds its followUpOf). */
  private newTicket(
    channel: { id: string; styleId: string; requiredSkills: readonly string[] },
    endUserId: string,
    input: Ingest,
    now: Date,
  ): TicketEntity {
    return Object.assign(new TicketEntity(), {
      channel: ref(ChannelEntity, channel.id),
      style: ref(ConversationStyleEntity, channel.styleId),
      requester: ref(EndUserEntity, endUserId),
      priority: input.priority,
      requiredSkills: [...new Set([...channel.requiredSkills, ...input.requiredSkills])],
      waitingSince: now,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** An agent's reply (the assignee), or an admin's on any ticket that is not CLOSED. */
  async send(viewer: Principal, ticketId: string, body: string): Promise<MessageEntity> {
    const id = requireId('Ticket', ticketId);
    const text = normalizeBody('body', body);
    const actor = actorOf(viewer);
    const { value } = await this.changes.run(async (change) => {
      const { tx } = change;
      const ticket = await tx.findOne(TicketEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!ticket) throw notFound('Ticket', ticketId);
      if (viewer.role === 'AGENT' && ticket.assignee?.id !== viewer.agentId) {
        throw forbidden("Only the ticket's assignee or an admin may write on it");
      }
      if (viewer.role !== 'AGENT' && viewer.role !== 'ADMIN')
        throw forbidden('Only agents and admins write replies');
      if (ticket.status === TicketStatus.CLOSED) {
        throw new DomainError(
          'ILLEGAL_TRANSITION',
          'The ticket is CLOSED; no message is added to a closed ticket',
        );
      }
      const now = this.clock.now();
      const added = this.newMessage(ticket, {
        authorType: AuthorType.AGENT,
        agentId: viewer.role === 'AGENT' ? viewer.agentId : null,
        body: text,
        externalId: null,
        createdTicket: false,
        reopenedTicket: false,
        now,
      });
      tx.persist(added);
      change.messageAdded(ticket, added, actor, now);
      return added;
    });
    return value;
  }

  /** The next sequence is taken under the ticket's row lock, so sequences have no gap or repeat. */
  private newMessage(
    ticket: TicketEntity,
    m: {
      authorType: AuthorType;
      agentId: string | null;
      body: string;
      externalId: string | null;
      createdTicket: boolean;
      reopenedTicket: boolean;
      now: Date;
    },
  ): MessageEntity {
    ticket.lastSequence += 1;
    ticket.updatedAt = m.now;
    return Object.assign(new MessageEntity(), {
      ticket: ref(ticket),
      channel: ref(ChannelEntity, ticket.channel.id),
      sequence: ticket.lastSequence,
      authorType: m.authorType,
      agent: m.agentId ? ref(AgentEntity, m.agentId) : null,
      body: m.body,
      externalId: m.externalId,
      createdTicket: m.createdTicket,
      reopenedTicket: m.reopenedTicket,
      createdAt: m.now,
    });
  }

  async listForTicket(
    ticketId: string,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<Page<MessageEntity>> {
    const limit = validateFirst(first);
    const afterSequence = after ? decodeCursor<[number]>(after, isSequenceCursor)[0] : 0;
    const rows = await this.em
      .fork()
      .find(
        MessageEntity,
        { ticket: ticketId, sequence: { $gt: afterSequence } },
        { orderBy: { sequence: 'asc' }, limit: limit + 1 },
      );
    const items = rows.slice(0, limit);
    return { items, cursors: items.map((m) => encodeCursor([m.sequence])), hasNextPage: rows.length > limit };
  }

  findByIds(ids: readonly string[]): Promise<MessageEntity[]> {
    return this.em.fork().find(MessageEntity, { id: { $in: ids.filter(isId) } });
  }
}
