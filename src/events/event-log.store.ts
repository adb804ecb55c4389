import type { EntityManager } from '@mikro-orm/postgresql';
import type { ChangeFilter, ChangeHeader } from '../domain/stream/change-filter';
import { positionOf, STREAM_START, type StreamPosition } from '../domain/stream/stream-position';
import type { TicketChangeKind, TicketStatus } from '../domain/ticket/ticket.enums';
import type { TicketEventEntity } from '../entities/ticket-event.entity';
import { isId } from '../services/ids';

/**
 * The event log's SQL, all of it: the one insert every change is written with, and the reads of
 * the one ordered stream (docs/domain.md "The event stream"). Statements use `?` placeholders and
 * run on whatever `Query` they are given: the ORM's pool, or the stream's own connection.
 */
export type Query = (sql: string, params: readonly unknown[]) => Promise<Record<string, unknown>[]>;

export function queryOn(em: EntityManager): Query {
  return (sql, params) => em.getConnection().execute<Record<string, unknown>[]>(sql, [...params]);
}

/** A change as the log records it, before anything else is loaded: what filters look at. */
export interface LoggedChange extends ChangeHeader {
  readonly id: string;
  readonly position: StreamPosition;
  readonly at: Date;
  readonly messageId: string | null;
}

// Every column a change is written with, and its type (VALUES rows need their types spelled out).
const COLUMNS: readonly (readonly [name: string, type: string, value: (e: TicketEventEntity) => unknown])[] =
  [
    ['ticket_id', 'uuid', (e) => e.ticket.id],
    ['kind', 'ticket_change_kind', (e) => e.kind],
    ['from_status', 'ticket_status', (e) => e.fromStatus],
    ['to_status', 'ticket_status', (e) => e.toStatus],
    ['agent_id', 'uuid', (e) => e.agentId],
    ['message_id', 'uuid', (e) => e.message?.id ?? null],
    ['author_type', 'author_type', (e) => e.authorType],
    ['actor_type', 'actor_type', (e) => e.actorType],
    ['actor_id', 'text', (e) => e.actorId],
    ['at', 'timestamptz', (e) => e.at],
    ['status', 'ticket_status', (e) => e.status],
    ['assignee_id', 'uuid', (e) => e.assigneeId],
    ['offered_to_id', 'uuid', (e) => e.offeredToId],
    ['previous_status', 'ticket_status', (e) => e.previousStatus],
    ['previous_assignee_id', 'uuid', (e) => e.previousAssigneeId],
    ['previous_offered_to_id', 'uuid', (e) => e.previousOfferedToId],
    ['channel_id', 'uuid', (e) => e.channelId],
    ['requester_id', 'uuid', (e) => e.requesterId],
    ['internal', 'boolean', (e) => e.internal],
  ];
const NAMES = COLUMNS.map(([name]) => name).join(', ');
const ROW = `(${COLUMNS.map(([, type]) => `?::${type}`).join(', ')})`;

/**
 * The one insert of change rows; `returning id`, in the order of `rows`. A row's stream_xid is at
 * least its transaction's id — no reader reads at or above the oldest running transaction's id,
 * so no change commits behind a reader — and at least the ticket's previous change's: a
 * transaction that was given its id before another but waited for it on the ticket's lock still
 * comes after it. Ids follow the VALUES order.
 */
export function insertEvents(rows: readonly TicketEventEntity[]): { sql: string; params: unknown[] } {
  const sql = `insert into ticket_events (stream_xid, ${NAMES})
    select greatest(pg_current_xact_id(),
             (select p.stream_xid from ticket_events p where p.ticket_id = v.ticket_id order by p.id desc limit 1)),
           v.*
      from (values ${rows.map(() => ROW).join(', ')}) as v(${NAMES})
    returning id`;
  return { sql, params: rows.flatMap((row) => COLUMNS.map(([, , value]) => value(row))) };
}

/** Writes `rows` on `em`'s transaction and sets their ids. */
export async function writeEvents(em: EntityManager, rows: readonly TicketEventEntity[]): Promise<void> {
  if (rows.length === 0) return;
  const { sql, params } = insertEvents(rows);
  const written = await em.execute<{ id: string | number }[]>(
    `with w as (${sql}) select id from w order by id`,
    params,
  );
  if (written.length !== rows.length) throw new Error('ticket events were not all written');
  written.forEach((row, i) => (rows[i]!.id = String(row.id)));
}

const SELECT = `e.id::text as id, e.stream_xid::text as stream_xid, e.kind, e.at, e.agent_id, e.status,
  e.assignee_id, e.offered_to_id, e.previous_status, e.previous_assignee_id, e.previous_offered_to_id,
  e.ticket_id, e.channel_id, e.requester_id, e.message_id, e.internal`;
const ORDER = 'order by e.stream_xid, e.id';
const AFTER = '(e.stream_xid, e.id) > (?::xid8, ?::bigint)';
/**
 * The horizon: the oldest transaction still running that may write to this database (in the
 * statement's own snapshot), or the snapshot's xmax when there is none. Below it nothing can commit
 * any more, so every reader that has read up to a position has read everything before it, and all
 * read it in one order. Transaction ids are server-wide: a transaction is left out only when a
 * backend of another database is known to hold it (it cannot write here); one that ended since the
 * snapshot, or whose database is not shown, counts, so a doubt only delays, never skips.
 */
const HORIZON = `(select coalesce(
    (select min(x) from pg_snapshot_xip(pg_current_snapshot()) x
      where x::xid not in (select a.backend_xid from pg_stat_get_activity(null) a
                            where a.backend_xid is not null
                              and a.datid <> (select d.oid from pg_database d where d.datname = current_database()))),
    pg_snapshot_xmax(pg_current_snapshot())))`;
const SETTLED = `e.stream_xid < ${HORIZON}`;

/**
 * The tail's read: up to `limit` changes after `from` that every reader sees alike, and whether
 * later ones exist that are held back by a transaction still running (read again soon).
 */
export async function readSettled(
  query: Query,
  from: StreamPosition,
  limit: number,
): Promise<{ changes: LoggedChange[]; heldBack: boolean }> {
  const rows = await query(
    `with h as (select ${HORIZON} as horizon)
     select exists (select 1 from ticket_events x where x.stream_xid >= h.horizon) as held_back, e.*
       from h left join lateral (
         select ${SELECT} from ticket_events e
          where ${AFTER} and e.stream_xid < h.horizon ${ORDER} limit ?
       ) e on true`,
    [String(from.xid), String(from.id), limit],
  );
  const heldBack = rows[0]?.held_back === true;
  return { changes: rows.filter((row) => row.id !== null).map(toLogged), heldBack };
}

/** Where a reader that wants only what comes next starts: the last settled change, if any. */
export async function settledHead(query: Query): Promise<StreamPosition> {
  const [row] = await query(
    `select e.stream_xid::text as stream_xid, e.id::text as id from ticket_events e
      where ${SETTLED} order by e.stream_xid desc, e.id desc limit 1`,
    [],
  );
  return row ? positionOf(row.stream_xid as string, row.id as string) : STREAM_START;
}

/** The last change committed so far, settled or not (what a reader must reach to have seen it all). */
export async function committedHead(query: Query): Promise<StreamPosition> {
  const [row] = await query(
    `select e.stream_xid::text as stream_xid, e.id::text as id from ticket_events e
      order by e.stream_xid desc, e.id desc limit 1`,
    [],
  );
  return row ? positionOf(row.stream_xid as string, row.id as string) : STREAM_START;
}

/** When the first change after `position` was made, settled or not; null when there is none. */
export async function firstAfter(query: Query, position: StreamPosition): Promise<Date | null> {
  const [row] = await query(`select e.at from ticket_events e where ${AFTER} ${ORDER} limit 1`, [
    String(position.xid),
    String(position.id),
  ]);
  if (!row) return null;
  return row.at instanceof Date ? row.at : new Date(row.at as string);
}

/** Changes by their log ids (a webhook delivery's change), in stream order; ids no row has are left out. */
export async function readByIds(query: Query, ids: readonly string[]): Promise<LoggedChange[]> {
  // ticket_events.id is a bigint: anything else names no row (and would be a type error in SQL).
  const valid = ids.filter((id) => /^[1-9][0-9]{0,18}$/.test(id) && BigInt(id) < 2n ** 63n);
  if (valid.length === 0) return [];
  const rows = await query(`select ${SELECT} from ticket_events e where e.id = any(?::bigint[]) ${ORDER}`, [
    `{${valid.join(',')}}`,
  ]);
  return rows.map(toLogged);
}

export interface RangeRead {
  after: StreamPosition;
  /** Inclusive; positions a reader has already read (all settled). None: up to what is settled now. */
  upTo: StreamPosition | null;
  filter: ChangeFilter;
  limit: number;
  /** MESSAGE_ADDED only: messages after this sequence. */
  afterSequence?: number;
}

/** A filtered read of the log in stream order: replays and catch-up reads. */
export async function readRange(query: Query, read: RangeRead): Promise<LoggedChange[]> {
  const where = filterSql(read.filter);
  if (where === null) return [];
  const params: unknown[] = [String(read.after.xid), String(read.after.id)];
  const conditions = [AFTER];
  if (read.upTo) {
    conditions.push('(e.stream_xid, e.id) <= (?::xid8, ?::bigint)');
    params.push(String(read.upTo.xid), String(read.upTo.id));
  } else {
    conditions.push(SETTLED);
  }
  conditions.push(...where.conditions);
  params.push(...where.params);
  if (read.afterSequence !== undefined) {
    conditions.push('exists (select 1 from messages m where m.id = e.message_id and m.sequence > ?)');
    params.push(read.afterSequence);
  }
  const rows = await query(
    `select ${SELECT} from ticket_events e where ${conditions.join(' and ')} ${ORDER} limit ?`,
    [...params, read.limit],
  );
  return rows.map(toLogged);
}

/**
 * matchesChange() (domain/stream/change-filter.ts) as SQL: the same fields, the same meaning (internal
 * notes only for who sees them; the
 * state — status, assignee, offered-to agent — before or after the change; the agent named, the
 * assignee it took the ticket from or the agent whose offer it ended). Null when nothing can match.
 */
function filterSql(filter: ChangeFilter): { conditions: string[]; params: unknown[] } | null {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const ids = [
    filter.visibleChannelId,
    filter.assigneeId,
    filter.offeredToId,
    filter.channelId,
    filter.requesterId,
    filter.agentId,
    filter.ticketId,
  ];
  // An id that is no id names no row (and would be a type error in SQL).
  if (ids.some((id) => id !== null && !isId(id))) return null;
  if (filter.statuses?.length === 0 || filter.kinds?.length === 0) return null;
  const equal = (column: string, value: string | null) => {
    if (value === null) return;
    conditions.push(`${column} = ?::uuid`);
    params.push(value);
  };
  equal('e.channel_id', filter.visibleChannelId);
  if (!filter.internalNotes) conditions.push('not e.internal');
  equal('e.channel_id', filter.channelId);
  equal('e.requester_id', filter.requesterId);
  equal('e.ticket_id', filter.ticketId);
  if (filter.kinds !== null) {
    conditions.push('e.kind = any(?::ticket_change_kind[])');
    params.push(`{${filter.kinds.join(',')}}`);
  }
  if (filter.agentId !== null) {
    conditions.push(
      '(e.agent_id = ?::uuid or e.previous_assignee_id = ?::uuid or e.previous_offered_to_id = ?::uuid)',
    );
    params.push(filter.agentId, filter.agentId, filter.agentId);
  }
  // The ticket's state before or after the change, each side as a whole.
  if (filter.statuses !== null || filter.assigneeId !== null || filter.offeredToId !== null) {
    const side = (status: string, assignee: string, offeredTo: string): string => {
      const parts: string[] = [];
      if (filter.statuses !== null) {
        parts.push(`${status} = any(?::ticket_status[])`);
        params.push(`{${filter.statuses.join(',')}}`);
      }
      if (filter.assigneeId !== null) {
        parts.push(`${assignee} = ?::uuid`);
        params.push(filter.assigneeId);
      }
      if (filter.offeredToId !== null) {
        parts.push(`${offeredTo} = ?::uuid`);
        params.push(filter.offeredToId);
      }
      return parts.join(' and ');
    };
    const after = side('e.status', 'e.assignee_id', 'e.offered_to_id');
    const before = side('e.previous_status', 'e.previous_assignee_id', 'e.previous_offered_to_id');
    conditions.push(`((${after}) or (e.previous_status is not null and ${before}))`);
  }
  return { conditions, params };
}

function toLogged(row: Record<string, unknown>): LoggedChange {
  return {
    id: row.id as string,
    position: positionOf(row.stream_xid as string, row.id as string),
    kind: row.kind as TicketChangeKind,
    at: row.at instanceof Date ? row.at : new Date(row.at as string),
    agentId: (row.agent_id as string | null) ?? null,
    status: row.status as TicketStatus,
    assigneeId: (row.assignee_id as string | null) ?? null,
    offeredToId: (row.offered_to_id as string | null) ?? null,
    previousStatus: (row.previous_status as TicketStatus | null) ?? null,
    previousAssigneeId: (row.previous_assignee_id as string | null) ?? null,
    previousOfferedToId: (row.previous_offered_to_id as string | null) ?? null,
    ticketId: row.ticket_id as string,
    channelId: row.channel_id as string,
    requesterId: row.requester_id as string,
    internal: row.internal === true,
    messageId: (row.message_id as string | null) ?? null,
  };
}
