import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import type { AgentStatus } from '../domain/agent/agent.rules';
import type { ConversationStyleKind } from '../domain/conversation-style/conversation-style.rules';
import { AgentEntity } from '../entities/agent.entity';
import { ChannelEntity } from '../entities/channel.entity';
import { ConversationStyleEntity } from '../entities/conversation-style.entity';
import { EndUserEntity } from '../entities/end-user.entity';
import type { MessageEntity } from '../entities/message.entity';
import type { TicketEventEntity } from '../entities/ticket-event.entity';
import { insertEvents } from '../events/event-log.store';
import { TicketEntity } from '../entities/ticket.entity';
import { ROUTING_LOCK_KEY } from '../db/advisory-locks';
import { textArrayLiteral } from '../entities/text-array.type';
import { SlaPolicyEntity } from '../entities/sla-policy.entity';
import type { SlaPolicyData } from '../domain/sla/sla.rules';
import { SLA_POLICIES_JSON, slaPoliciesOf } from './sla/sla-policy.store';

/**
 * The SQL of ingestion (MessageService.receive), its hottest path: each step is one statement,
 * and the rows it works on are plain entities outside the unit of work (ingestion writes them
 * itself, in one statement, rather than through a flush).
 */

export interface EndUserLock {
  /** null: there is no such channel (and nothing was written). */
  channel: { id: string; styleId: string; requiredSkills: string[]; optionalSkills: string[] } | null;
  /**
   * The message that already carries this externalMessageId on the channel (nothing was written),
   * and whether this end user sent it (a retry) or another one did (a partner's mistake).
   */
  repeat: Repeat | null;
  /** The end user's row, locked until the commit; null when there is no channel or a repeat. */
  endUser: { id: string; displayName: string | null; inserted: boolean } | null;
  /**
   * Whether this transaction holds ROUTING_LOCK_KEY shared (taken with the end user's lock, so
   * before any ticket's): then no routing run reads the queue until it commits.
   */
  routingLockShared: boolean;
  /** Every SLA policy, in the order they are tried (docs/domain.md "SLA"), read in the same statement. */
  slaPolicies: SlaPolicyData[];
}

export interface Repeat {
  messageId: string;
  sameEndUser: boolean;
}

/**
 * The message with an externalMessageId on a channel, and whether the end user named (by their
 * externalUserId) sent it. Parameters: externalUserId, channelId, externalMessageId. An agent's
 * message may carry a partner id too (a delivery receipt attached it): the end user did not send
 * that one, so it is never answered as their repeat.
 */
const REPEAT_SQL = `select m.id, (u.external_id = ? and m.author_type = 'END_USER') as same_end_user
         from messages m
         join tickets rt on rt.id = m.ticket_id
         join end_users u on u.id = rt.requester_id
        where m.channel_id = ? and m.external_id = ?
        limit 1`;

const repeatOf = (messageId: string | null, sameEndUser: boolean | null): Repeat | null =>
  messageId === null ? null : { messageId, sameEndUser: sameEndUser === true };

/**
 * One statement: the channel, the first message with this externalMessageId if there is one, and
 * otherwise the end user's row, inserted or locked by a no-op update, and the routing lock shared
 * if it is free. One end user's messages are handled one at a time from here to the commit. A
 * repeat changes nothing, not even the end user.
 */
export async function lockEndUser(
  em: EntityManager,
  input: {
    channelId: string;
    externalUserId: string;
    displayName: string | null;
    externalMessageId: string | null;
    now: Date;
  },
): Promise<EndUserLock> {
  const [row] = await em.execute<
    {
      channel_id: string | null;
      style_id: string | null;
      required_skills: string[] | null;
      optional_skills: string[] | null;
      repeat_message_id: string | null;
      repeat_same_end_user: boolean | null;
      end_user_id: string | null;
      display_name: string | null;
      inserted: boolean | null;
      routing_lock_shared: boolean;
      sla_policies: unknown;
    }[]
  >(
    `with channel as (
       select id, style_id, required_skills, optional_skills from channels where id = ?
     ), repeat as (
       ${REPEAT_SQL}
     ), end_user as (
       insert into end_users (id, channel_id, external_id, display_name, created_at)
       select ?::uuid, channel.id, ?::text, ?::text, ?::timestamptz from channel
        where not exists (select 1 from repeat)
       on conflict (channel_id, external_id) do update set external_id = excluded.external_id
       returning id, display_name, (xmax = 0) as inserted
     )
     select channel.id as channel_id, channel.style_id, channel.required_skills, channel.optional_skills,
            repeat.id as repeat_message_id, repeat.same_end_user as repeat_same_end_user,
            end_user.id as end_user_id, end_user.display_name, end_user.inserted,
            case when end_user.id is null then false
                 else pg_try_advisory_xact_lock_shared(?) end as routing_lock_shared,
            ${SLA_POLICIES_JSON} as sla_policies
       from (select 1) as one
       left join channel on true
       left join repeat on true
       left join end_user on true`,
    [
      input.channelId,
      input.externalUserId,
      input.channelId,
      input.externalMessageId,
      randomUUID(),
      input.externalUserId,
      input.displayName,
      input.now,
      ROUTING_LOCK_KEY,
    ],
  );
  if (!row?.channel_id) {
    return { channel: null, repeat: null, endUser: null, routingLockShared: false, slaPolicies: [] };
  }
  return {
    channel: {
      id: row.channel_id,
      styleId: row.style_id!,
      requiredSkills: row.required_skills ?? [],
      optionalSkills: row.optional_skills ?? [],
    },
    repeat: repeatOf(row.repeat_message_id, row.repeat_same_end_user),
    endUser: row.end_user_id
      ? { id: row.end_user_id, displayName: row.display_name, inserted: row.inserted === true }
      : null,
    routingLockShared: row.routing_lock_shared,
    slaPolicies: slaPoliciesOf(row.sla_policies),
  };
}

export interface CurrentTicket {
  ticket: TicketEntity;
  style: { kind: ConversationStyleKind; closeAfterSolvedSeconds: number };
  /** Read without a lock: what transition() needs while the ticket is NEW or OPEN. */
  assigneeStatus: AgentStatus | null;
  /** A message with this externalMessageId committed since lockEndUser() looked. */
  repeat: Repeat | null;
}

/**
 * The end user's latest ticket that is not CLOSED, locked (FOR UPDATE), with its style and its
 * assignee's status; and, in the same statement (read after the end user's lock was granted),
 * whether a message with this externalMessageId has meanwhile been committed by a concurrent
 * request (this end user's retry, or another end user's message).
 */
export async function lockCurrentTicket(
  em: EntityManager,
  endUserId: string,
  channelId: string,
  externalUserId: string,
  externalMessageId: string | null,
): Promise<CurrentTicket | null> {
  const [row] = await em.execute<
    (TicketRow & {
      style_kind: ConversationStyleKind;
      style_close_after_solved_seconds: number;
      assignee_status: AgentStatus | null;
      repeat_message_id: string | null;
      repeat_same_end_user: boolean | null;
    })[]
  >(
    `select t.*, s.kind as style_kind, s.close_after_solved_seconds as style_close_after_solved_seconds,
            a.status as assignee_status,
            r.id as repeat_message_id, r.same_end_user as repeat_same_end_user
       from tickets t
       join conversation_styles s on s.id = t.style_id
       left join agents a on a.id = t.assignee_id
       left join (${REPEAT_SQL}) r on true
      where t.requester_id = ? and t.status <> 'CLOSED'
      order by t.created_at desc
      limit 1
        for update of t`,
    [externalUserId, channelId, externalMessageId, endUserId],
  );
  if (!row) return null;
  return {
    ticket: ticketOf(row),
    style: { kind: row.style_kind, closeAfterSolvedSeconds: row.style_close_after_solved_seconds },
    assigneeStatus: row.assignee_status,
    repeat: repeatOf(row.repeat_message_id, row.repeat_same_end_user),
  };
}

/**
 * One statement for everything ingestion writes: the ticket (inserted, with the end user's last
 * closed ticket as followUpOf, or updated), the message, the events (whose ids it sets), the
 * attachments' link to the message, and the end user's new display name, if any.
 */
export async function writeIngest(
  em: EntityManager,
  w: {
    ticket: TicketEntity;
    ticketCreated: boolean;
    message: MessageEntity;
    events: readonly TicketEventEntity[];
    /** Uploads locked and checked for this message (AttachmentService.lockAttachable). */
    attachmentIds?: readonly string[];
    displayName: { endUserId: string; name: string } | null;
  },
): Promise<void> {
  const { ticket: t, message: m } = w;
  const params: unknown[] = [];
  const ctes: string[] = [];
  if (w.ticketCreated) {
    // followUpOf: the end user's last closed ticket, found in the same statement.
    const values = TICKET_COLUMNS.map((c) =>
      c.name === 'follow_up_of_id'
        ? `(select id from tickets where requester_id = ? and status = 'CLOSED'
             order by closed_at desc, created_at desc limit 1)`
        : `?${c.cast ?? ''}`,
    );
    ctes.push(`ticket_write as (
      insert into tickets (${TICKET_COLUMNS.map((c) => c.name).join(', ')})
      values (${values.join(', ')})
      returning follow_up_of_id)`);
    params.push(...TICKET_COLUMNS.map((c) => (c.name === 'follow_up_of_id' ? t.requester.id : c.write(t))));
  } else {
    // The row is locked by this transaction, so every column that can change is written as it is now.
    const changing = TICKET_COLUMNS.filter((c) => !c.fixed);
    ctes.push(`ticket_write as (
      update tickets set ${changing.map((c) => `${c.name} = ?${c.cast ?? ''}`).join(', ')}
      where id = ?)`);
    params.push(...changing.map((c) => c.write(t)), t.id);
  }
  ctes.push(`message_write as (
    insert into messages (id, ticket_id, channel_id, sequence, author_type, agent_id, body, external_id,
      created_ticket, reopened_ticket, created_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))`);
  params.push(
    m.id,
    m.ticket.id,
    m.channel.id,
    m.sequence,
    m.authorType,
    m.agent?.id ?? null,
    m.body,
    m.externalId,
    m.createdTicket,
    m.reopenedTicket,
    m.createdAt,
  );
  if (w.attachmentIds && w.attachmentIds.length > 0) {
    ctes.push('attachment_write as (update uploads set message_id = ? where id = any(?::uuid[]))');
    params.push(m.id, `{${w.attachmentIds.join(',')}}`);
  }
  if (w.displayName) {
    ctes.push('end_user_write as (update end_users set display_name = ? where id = ?)');
    params.push(w.displayName.name, w.displayName.endUserId);
  }
  const events = insertEvents(w.events);
  ctes.push(`event_write as (${events.sql})`);
  params.push(...events.params);
  // Ids come from one sequence, in the order of the VALUES rows.
  const rows = await em.execute<{ id: string | number; follow_up_of_id?: string | null }[]>(
    `with ${ctes.join(',\n')}
     select e.id${w.ticketCreated ? ', (select follow_up_of_id from ticket_write) as follow_up_of_id' : ''}
       from event_write e order by e.id`,
    params,
  );
  if (rows.length !== w.events.length) throw new Error('ticket events were not all written');
  rows.forEach((row, i) => (w.events[i]!.id = String(row.id)));
  if (w.ticketCreated) {
    const followUpOf = rows[0]?.follow_up_of_id ?? null;
    t.followUpOf = followUpOf === null ? null : ref(TicketEntity, followUpOf);
  }
}

/** A tickets row as PostgreSQL returns it through the ORM's connection (timestamps as text). */
type TicketRow = Record<string, unknown>;

interface TicketColumn {
  readonly name: string;
  /** Written when the ticket is created; ingestion never changes it. */
  readonly fixed?: boolean;
  readonly cast?: string;
  readonly write: (t: TicketEntity) => unknown;
  readonly read: (t: TicketEntity, value: unknown) => void;
}

type Props<V> = { [K in keyof TicketEntity]-?: TicketEntity[K] extends V ? K : never }[keyof TicketEntity];

const plain = <K extends Props<string | number>>(name: string, prop: K, fixed = false): TicketColumn => ({
  name,
  fixed,
  write: (t) => t[prop],
  read: (t, v) => Object.assign(t, { [prop]: typeof t[prop] === 'number' ? Number(v) : v }),
});
const date = <K extends Props<Date | null>>(name: string, prop: K, fixed = false): TicketColumn => ({
  name,
  fixed,
  write: (t) => t[prop],
  read: (t, v) => Object.assign(t, { [prop]: dateOrNull(v as string | Date | null) }),
});
const reference = (
  name: string,
  prop: 'channel' | 'style' | 'requester' | 'assignee' | 'offeredTo' | 'followUpOf' | 'slaPolicy',
  entity:
    | typeof AgentEntity
    | typeof ChannelEntity
    | typeof ConversationStyleEntity
    | typeof EndUserEntity
    | typeof SlaPolicyEntity
    | typeof TicketEntity,
  fixed = false,
): TicketColumn => ({
  name,
  fixed,
  write: (t) => t[prop]?.id ?? null,
  read: (t, v) =>
    Object.assign(t, { [prop]: v === null ? null : ref(entity as typeof TicketEntity, v as string) }),
});

/**
 * Every column of tickets, spelled out once: ingestion's INSERT, its UPDATE and the row it reads
 * back are all made from this list (the migrations test keeps the entity, and so this list's
 * properties, in step with the table).
 */
const TICKET_COLUMNS: readonly TicketColumn[] = [
  plain('id', 'id', true),
  plain('status', 'status'),
  plain('priority', 'priority', true),
  reference('channel_id', 'channel', ChannelEntity, true),
  reference('style_id', 'style', ConversationStyleEntity, true),
  reference('requester_id', 'requester', EndUserEntity, true),
  reference('assignee_id', 'assignee', AgentEntity),
  reference('offered_to_id', 'offeredTo', AgentEntity),
  date('offer_expires_at', 'offerExpiresAt'),
  date('waiting_since', 'waitingSince'),
  {
    name: 'required_skills',
    fixed: true,
    cast: '::text[]',
    write: (t) => textArrayLiteral(t.requiredSkills),
    read: (t, v) => Object.assign(t, { requiredSkills: v }),
  },
  {
    name: 'optional_skills',
    fixed: true,
    cast: '::text[]',
    write: (t) => textArrayLiteral(t.optionalSkills),
    read: (t, v) => Object.assign(t, { optionalSkills: v }),
  },
  reference('follow_up_of_id', 'followUpOf', TicketEntity, true),
  date('created_at', 'createdAt', true),
  date('updated_at', 'updatedAt'),
  date('solved_at', 'solvedAt'),
  date('closes_at', 'closesAt'),
  date('closed_at', 'closedAt'),
  plain('reopen_count', 'reopenCount'),
  plain('last_sequence', 'lastSequence'),
  date('first_end_user_message_at', 'firstEndUserMessageAt'),
  date('first_agent_reply_at', 'firstAgentReplyAt'),
  date('last_solved_at', 'lastSolvedAt'),
  date('open_since', 'openSince'),
  plain('handle_ms', 'handleMs'),
  plain('assignment_count', 'assignmentCount'),
  reference('sla_policy_id', 'slaPolicy', SlaPolicyEntity),
  date('reply_owed_since', 'replyOwedSince'),
  date('first_reply_due_at', 'firstReplyDueAt'),
  date('next_reply_due_at', 'nextReplyDueAt'),
  date('resolution_due_at', 'resolutionDueAt'),
  {
    name: 'sla_breached',
    cast: '::text[]',
    write: (t) => textArrayLiteral(t.slaBreached),
    read: (t, v) => Object.assign(t, { slaBreached: v }),
  },
  date('sla_check_at', 'slaCheckAt'),
];

function ticketOf(row: TicketRow): TicketEntity {
  const ticket = new TicketEntity();
  for (const column of TICKET_COLUMNS) column.read(ticket, row[column.name]);
  return ticket;
}

const dateOrNull = (value: string | Date | null): Date | null => (value === null ? null : new Date(value));

/** A text[] literal; every element quoted, so any text is safe. */
