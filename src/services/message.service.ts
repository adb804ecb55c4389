import { LockMode, ref, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../domain/auth/principal';
import { seesInternalNotes, seesMessage } from '../domain/auth/visibility';
import type { Clock } from '../domain/clock';
import { badInput, DomainError, forbidden, notFound } from '../domain/errors';
import { normalizeSkills, withoutRequired } from '../domain/skills';
import { normalizeAttachmentIds } from '../domain/attachment/attachment.rules';
import { normalizeBody, normalizeExternalId, validateClientMessageId } from '../domain/ticket/message.rules';
import {
  applyDeliveryReport,
  deliveryErrorOf,
  type DeliveryState,
  type MessageDeliveryStatus,
} from '../domain/ticket/message-delivery.rules';
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
import type { AttachmentService } from './attachments/attachment.service';
import { refuseDuplicates } from './db-errors';
import { isId, requireId } from './ids';
import { lockCurrentTicket, lockEndUser, writeIngest, type Repeat } from './ingest-store';
import { decodeCursor, encodeCursor, pageRequest, type Page } from './pagination';
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
  /** Uploads of the caller to attach (docs/domain.md "Attachments"). */
  attachmentIds?: readonly string[] | null;
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
  viewer: Principal;
  attachmentIds: string[];
}

const MAX_DISPLAY_NAME = 200;
// A unique violation here means a concurrent request won a race the locks do not cover (the same
// externalMessageId from another end user of the channel); a retry then finds its result, and
// refuses this request (the id is the other end user's).
const RETRIED_CONSTRAINTS = new Set([
  'messages_channel_external_unique',
  'end_users_channel_external_unique',
]);

// The ticket's lock already serialises replies; should the index still refuse a clientMessageId
// (a write that bypassed the lock), the retry finds the first message and answers it.
const SEND_RETRIED_CONSTRAINTS = new Set(['messages_client_message_unique']);

/** sendMessage's options besides the text. */
export interface SendOptions {
  clientMessageId?: string | null;
  /** An internal note (docs/domain.md "Internal notes"). */
  internal?: boolean;
  /** Uploads of the caller to attach (docs/domain.md "Attachments"). */
  attachmentIds?: readonly string[] | null;
}

/** updateMessageDelivery's input: a partner's receipt for an agent's message. */
export interface UpdateDeliveryInput {
  messageId: string;
  status: MessageDeliveryStatus;
  externalMessageId?: string | null;
  error?: string | null;
}

// Receipts attaching one partner id to messages of two tickets hold different ticket locks: the
// index decides, and the loser is refused like a conflict found by the check.
const EXTERNAL_ID_TAKEN = {
  field: 'input.externalMessageId',
  message:
    'input.externalMessageId is already the partner id of another message on this channel; ' +
    'an externalMessageId names one message',
};

/** `Ticket.messages`' arguments (the Relay connection spec's four). */
export interface MessagePageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

// Within PostgreSQL's integer, the column's type: a larger number would be an error in SQL, not a refusal.
const isSequenceCursor = (parts: unknown[]): parts is [number] =>
  parts.length === 1 && Number.isInteger(parts[0]) && Math.abs(parts[0] as number) <= 2_147_483_647;

/** Messages: end users' through integrations (ingestion), agents' replies, and reading a ticket's thread. */
export class MessageService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly changes: ChangeRunner,
    private readonly attachments: AttachmentService,
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
    const attachmentIds = normalizeAttachmentIds('input.attachmentIds', input.attachmentIds);
    const ingest: Ingest = {
      channelId,
      externalUserId: normalizeExternalId('input.externalUserId', input.externalUserId),
      displayName,
      body: normalizeBody('input.body', input.body, attachmentIds.length > 0),
      externalMessageId:
        input.externalMessageId === null || input.externalMessageId === undefined
          ? null
          : normalizeExternalId('input.externalMessageId', input.externalMessageId),
      priority: input.priority ?? TicketPriority.NORMAL,
      requiredSkills: normalizeSkills('input.requiredSkills', input.requiredSkills ?? []),
      actor: actorOf(viewer),
      viewer,
      attachmentIds,
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
    const { channel, repeat, endUser, routingLockShared, slaPolicies } = await lockEndUser(em, {
      ...input,
      now,
    });
    if (!channel) throw notFound('Channel', input.channelId);
    if (repeat !== null) return this.firstResult(em, repeat);
    if (!endUser) throw new Error('the end user was neither inserted nor locked');

    const current = await lockCurrentTicket(
      em,
      endUser.id,
      channel.id,
      input.externalUserId,
      input.externalMessageId,
    );
    // The same message sent twice at once by this end user: the first one has committed by now.
    // (An end user with no open ticket is not read here; if another request committed that id
    // meanwhile, the unique index refuses the message and the runner starts over, rolling back any
    // new end user, and lockEndUser then finds the repeat.)
    if (current?.repeat) return this.firstResult(em, current.repeat);
    // Locked until the commit, so of two messages naming one upload the second finds it attached.
    const uploads = await this.attachments.lockAttachable(
      em,
      input.viewer,
      'input.attachmentIds',
      input.attachmentIds,
    );

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

    const message = newMessage(ticket, {
      authorType: AuthorType.END_USER,
      agentId: null,
      body: input.body,
      externalId: input.externalMessageId,
      createdTicket: ticketCreated,
      reopenedTicket: reopened,
      now,
    });
    change.messageAdded(ticket, message, input.actor, now);
    // The ticket's due times go into the same write, from the policies read with the end user.
    await change.settleSla(slaPolicies);
    await writeIngest(em, {
      ticket,
      ticketCreated,
      message,
      events: change.takeUnwrittenEvents(),
      attachmentIds: uploads.map((u) => u.id),
      displayName:
        input.displayName !== null && input.displayName !== endUser.displayName
          ? { endUserId: endUser.id, name: input.displayName }
          : null,
    });
    return { message, ticket, ticketCreated, reopened, duplicate: false };
  }

  /**
   * What receiveMessage answered for this message the first time, flagged as a duplicate; or, when
   * another end user sent it, a refusal: the partner reused an id, and answering the first user's
   * ticket would silently drop this user's message (docs/domain.md "Messages and ingestion").
   */
  private async firstResult(em: EntityManager, repeat: Repeat): Promise<ReceiveMessageResult> {
    if (!repeat.sameEndUser) {
      throw badInput(
        'input.externalMessageId',
        'input.externalMessageId was already used on this channel for another end user (or for an ' +
          "agent's message); an externalMessageId names one message of one end user",
      );
    }
    // One SELECT: the message joined with its ticket.
    const first = await em.findOneOrFail(MessageEntity, { id: repeat.messageId }, { populate: ['ticket'] });
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
    channel: {
      id: string;
      styleId: string;
      requiredSkills: readonly string[];
      optionalSkills: readonly string[];
    },
    endUserId: string,
    input: Ingest,
    now: Date,
  ): TicketEntity {
    const requiredSkills = [...new Set([...channel.requiredSkills, ...input.requiredSkills])];
    return Object.assign(new TicketEntity(), {
      channel: ref(ChannelEntity, channel.id),
      style: ref(ConversationStyleEntity, channel.styleId),
      requester: ref(EndUserEntity, endUserId),
      priority: input.priority,
      requiredSkills,
      // docs/domain.md "Skills timeout": the channel's, less any the ticket requires.
      optionalSkills: withoutRequired(channel.optionalSkills, requiredSkills),
      waitingSince: now,
      createdAt: now,
      updatedAt: now,
    });
  }

  /**
   * An agent's reply (the assignee), or an admin's on any ticket that is not CLOSED; with
   * `internal`, a note for agents and admins only, written by the same rule (docs/domain.md
   * "Internal notes"): it changes no status and counts for no reply metric. With a
   * clientMessageId, a retry (the same id from the same author on the same ticket) answers the
   * first message as it is and changes nothing (docs/domain.md "Messages and ingestion").
   */
  async send(
    viewer: Principal,
    ticketId: string,
    body: string,
    options: SendOptions = {},
  ): Promise<MessageEntity> {
    const id = requireId('Ticket', ticketId);
    const attachmentIds = normalizeAttachmentIds('attachmentIds', options.attachmentIds);
    const text = normalizeBody('body', body, attachmentIds.length > 0);
    const clientMessageId = options.clientMessageId ?? null;
    const internal = options.internal ?? false;
    const clientId =
      clientMessageId === null ? null : validateClientMessageId('clientMessageId', clientMessageId);
    const actor = actorOf(viewer);
    if (viewer.role !== 'AGENT' && viewer.role !== 'ADMIN')
      throw forbidden('Only agents and admins write replies');
    const agentId = viewer.role === 'AGENT' ? viewer.agentId : null;
    const { value } = await this.changes.run(
      async (change) => {
        const { tx } = change;
        const ticket = await tx.findOne(TicketEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!ticket) throw notFound('Ticket', ticketId);
        // Looked for under the ticket's lock, which every reply takes: a concurrent first send has
        // committed by now. Before the checks below, because the first send passed them: a retry
        // after the ticket closed or moved to another agent still learns its message was sent.
        if (clientId !== null) {
          const first = await tx.findOne(MessageEntity, {
            ticket: id,
            agent: agentId,
            clientMessageId: clientId,
          });
          if (first) return first;
        }
        if (agentId !== null && ticket.assignee?.id !== agentId) {
          throw forbidden("Only the ticket's assignee or an admin may write on it");
        }
        if (ticket.status === TicketStatus.CLOSED) {
          throw new DomainError(
            'ILLEGAL_TRANSITION',
            'The ticket is CLOSED; no message is added to a closed ticket',
          );
        }
        const uploads = await this.attachments.lockAttachable(tx, viewer, 'attachmentIds', attachmentIds);
        const added = addAgentMessage(change, ticket, {
          agentId,
          body: text,
          internal,
          clientMessageId: clientId,
          actor,
          now: this.clock.now(),
        });
        this.attachments.attach(uploads, added);
        return added;
      },
      { retryOnUnique: SEND_RETRIED_CONSTRAINTS },
    );
    return value;
  }

  /**
   * A partner's receipt for an agent's message (docs/domain.md "Delivery receipts"): from the
   * message's channel's integration, or an admin. The ticket's row lock serialises every receipt
   * for its messages, so concurrent receipts move a message forward only, and each move is one
   * MESSAGE_UPDATED change; a receipt that moves nothing returns the message as it is.
   */
  async updateDelivery(viewer: Principal, input: UpdateDeliveryInput): Promise<MessageEntity> {
    const id = requireId('Message', input.messageId);
    const report = {
      status: input.status,
      error: deliveryErrorOf('input.error', input.status, input.error),
      externalId:
        input.externalMessageId === null || input.externalMessageId === undefined
          ? null
          : normalizeExternalId('input.externalMessageId', input.externalMessageId),
    };
    if (viewer.role !== 'INTEGRATION' && viewer.role !== 'ADMIN') {
      throw forbidden("Only the message's channel's integration or an admin reports receipts");
    }
    const actor = actorOf(viewer);
    const { value } = await refuseDuplicates(
      () =>
        this.changes.run(async (change) => {
          const { tx } = change;
          const found = await tx.findOne(MessageEntity, { id });
          // Another channel's message, or an internal note, does not exist for an integration.
          if (!found || !seesMessage(viewer, messageVisibility(found))) {
            throw notFound('Message', input.messageId);
          }
          if (found.internal) {
            throw badInput(
              'input.messageId',
              'input.messageId is an internal note; it is never sent to the end user, so it has no receipts',
            );
          }
          if (found.authorType !== AuthorType.AGENT) {
            throw badInput(
              'input.messageId',
              "input.messageId is not an agent's message; receipts are for messages sent to the end user",
            );
          }
          const ticket = await tx.findOneOrFail(
            TicketEntity,
            { id: found.ticket.id },
            { lockMode: LockMode.PESSIMISTIC_WRITE },
          );
          // As committed by the receipt that held the lock before this one.
          const message = await tx.findOneOrFail(MessageEntity, { id }, { refresh: true });
          const now = this.clock.now();
          const next = applyDeliveryReport(deliveryStateOf(message), report, now);
          if (next === null) return message;
          if (next.externalId !== message.externalId) {
            const taken = await tx.count(MessageEntity, {
              channel: message.channel.id,
              externalId: next.externalId,
            });
            if (taken > 0) throw badInput(EXTERNAL_ID_TAKEN.field, EXTERNAL_ID_TAKEN.message);
          }
          Object.assign(message, {
            deliveryStatus: next.status,
            deliveredAt: next.deliveredAt,
            readAt: next.readAt,
            deliveryError: next.error,
            externalId: next.externalId,
          });
          change.messageUpdated(ticket, message, actor, now);
          return message;
        }),
      { messages_channel_external_unique: EXTERNAL_ID_TAKEN },
    );
    return value;
  }

  /**
   * A page of a ticket's thread (docs/domain.md "Reading tickets and threads"), in sequence order
   * whichever end it is taken from. (ticket_id, sequence) is unique, so each read is a range of that
   * index, `size + 1` rows from one end (descending for `last`, then reversed), never the whole thread.
   */
  async listForTicket(
    viewer: Principal,
    ticketId: string,
    args: MessagePageArgs,
  ): Promise<Page<MessageEntity>> {
    const { from, size } = pageRequest(args.first, args.last);
    const after = args.after ? decodeCursor<[number]>('after', args.after, isSequenceCursor)[0] : null;
    const before = args.before ? decodeCursor<[number]>('before', args.before, isSequenceCursor)[0] : null;
    const window = {
      ...(after === null ? {} : { $gt: after }),
      ...(before === null ? {} : { $lt: before }),
    };
    // Internal notes do not exist for who may not see them; the rest of the thread pages as usual
    // (sequences then skip a note's, as they would for a message the reader never saw).
    const visible: FilterQuery<MessageEntity> = seesInternalNotes(viewer)
      ? { ticket: ticketId }
      : { ticket: ticketId, internal: false };
    const where: FilterQuery<MessageEntity> =
      after === null && before === null ? visible : { ...visible, sequence: window };
    // Past the cursor a page starts from (at it or beyond) lies another page; a second indexed read,
    // on a fork of its own so that its one-column row never meets the page's rows in an identity map.
    const beyond =
      from === 'start'
        ? after === null
          ? null
          : { $lte: after }
        : before === null
          ? null
          : { $gte: before };
    const [rows, past] = await Promise.all([
      this.em.fork().find(MessageEntity, where, {
        orderBy: { sequence: from === 'start' ? 'asc' : 'desc' },
        limit: size + 1,
      }),
      beyond
        ? this.em.fork().findOne(MessageEntity, { ...visible, sequence: beyond }, { fields: ['id'] })
        : null,
    ]);
    const more = rows.length > size;
    const items = rows.slice(0, size);
    if (from === 'end') items.reverse();
    return {
      items,
      cursors: items.map((m) => encodeCursor([m.sequence])),
      hasNextPage: from === 'start' ? more : past !== null,
      hasPreviousPage: from === 'end' ? more : past !== null,
    };
  }

  /**
   * A message is seen with its ticket: an integration sees its own channel's only, and no internal
   * note (else NOT_FOUND).
   */
  async get(viewer: Principal, id: string): Promise<MessageEntity> {
    const message = await this.em.fork().findOne(MessageEntity, { id: requireId('Message', id) });
    if (!message || !seesMessage(viewer, messageVisibility(message))) throw notFound('Message', id);
    return message;
  }

  findByIds(ids: readonly string[]): Promise<MessageEntity[]> {
    return this.em.fork().find(MessageEntity, { id: { $in: ids.filter(isId) } });
  }
}

/** The next sequence is taken under the ticket's row lock, so sequences have no gap or repeat. */
function newMessage(
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

/**
 * An agent's (or, with no agentId, an admin's) message on a ticket the caller locked in `change`,
 * with its MESSAGE_ADDED change: sendMessage's reply or note, and a transfer's note. Who may write
 * is the caller's check; the body is normalised already.
 */
export function addAgentMessage(
  change: ChangeTransaction,
  ticket: TicketEntity,
  m: {
    agentId: string | null;
    body: string;
    internal: boolean;
    clientMessageId?: string | null;
    actor: Actor;
    now: Date;
  },
): MessageEntity {
  const added = newMessage(ticket, {
    authorType: AuthorType.AGENT,
    agentId: m.agentId,
    body: m.body,
    externalId: null,
    createdTicket: false,
    reopenedTicket: false,
    now: m.now,
  });
  added.clientMessageId = m.clientMessageId ?? null;
  added.internal = m.internal;
  change.tx.persist(added);
  change.messageAdded(ticket, added, m.actor, m.now);
  return added;
}

const messageVisibility = (m: MessageEntity) => ({ channelId: m.channel.id, internal: m.internal });

const deliveryStateOf = (m: MessageEntity): DeliveryState => ({
  status: m.deliveryStatus,
  deliveredAt: m.deliveredAt,
  readAt: m.readAt,
  error: m.deliveryError,
  externalId: m.externalId,
});
