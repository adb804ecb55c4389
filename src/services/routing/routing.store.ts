import type { EntityManager } from '@mikro-orm/postgresql';
import type { AgentStatus } from '../../domain/agent/agent.rules';
import type { AgentSnapshot, TicketSnapshot } from '../../domain/routing/routing-pick';
import { QUEUE_ORDER, type QueueKey } from '../../domain/routing/queue-order';
import type { BatchTicket } from '../../domain/routing/routing-batch';
import type { TicketPriority } from '../../domain/ticket/ticket.enums';
import { ROUTING_LOCK_KEY } from '../../db/advisory-locks';
import { RoutingSettingsEntity } from '../../entities/routing-settings.entity';

/**
 * Routing's SQL: the I/O on either side of the pure pick. Plain rows rather than entities: a run
 * reads every ONLINE agent and the head of the queue but changes few of them, and the unit of work
 * would hydrate and diff every one at each flush.
 */

/** A ticket waits for routing: NEW, not offered, nobody's. */
const WAITING = `status = 'NEW' and offered_to_id is null and assignee_id is null`;

const QUEUE_COLUMNS: Readonly<Record<QueueKey, { column: string; cast: string }>> = {
  priority: { column: 'priority', cast: '::ticket_priority' },
  waitingSince: { column: 'waiting_since', cast: '::timestamptz' },
  id: { column: 'id', cast: '::uuid' },
};
const QUEUE_ORDER_BY = QUEUE_ORDER.map(
  ({ key, direction }) => `${QUEUE_COLUMNS[key].column} ${direction}`,
).join(', ');

/** Which agents a snapshot load reads. */
export type AgentScope =
  /** Every agent (the routing preview explains them all). */
  | 'ALL'
  /** ONLINE agents (queue figures). */
  | 'ONLINE'
  /** ONLINE agents with capacity, locked FOR UPDATE (a routing run). */
  | 'ROUTABLE_LOCKED';

interface AgentRow {
  id: string;
  status: AgentStatus;
  capacity: number;
  skills: string[];
  last_assigned_at: string | Date | null;
}

const AGENT_SCOPE_SQL: Readonly<Record<AgentScope, string>> = {
  ALL: 'select id, status, capacity, skills, last_assigned_at from agents order by id',
  ONLINE: `select id, status, capacity, skills, last_assigned_at from agents where status = 'ONLINE' order by id`,
  ROUTABLE_LOCKED: `select id, status, capacity, skills, last_assigned_at from agents
                     where status = 'ONLINE' and capacity > 0 order by id for update`,
};

/**
 * The one loader of agent snapshots. The load is counted in a statement after the agents' rows
 * were read (and, for a run, locked): under READ COMMITTED that statement sees everything
 * committed before the lock was granted, so nothing counted can be stale.
 */
export async function loadAgentSnapshots(em: EntityManager, scope: AgentScope): Promise<AgentSnapshot[]> {
  const rows = await em.execute<AgentRow[]>(AGENT_SCOPE_SQL[scope]);
  const loads = await loadsOf(
    em,
    rows.map((a) => a.id),
  );
  return rows.map((a) => ({
    id: a.id,
    status: a.status,
    capacity: a.capacity,
    load: loads.get(a.id) ?? 0,
    skills: a.skills,
    lastAssignedAt: a.last_assigned_at === null ? null : new Date(a.last_assigned_at),
  }));
}

/** docs/domain.md "Capacity": OPEN tickets assigned to the agent plus tickets offered to it. */
export async function loadsOf(em: EntityManager, agentIds: readonly string[]): Promise<Map<string, number>> {
  const loads = new Map(agentIds.map((id) => [id, 0]));
  if (agentIds.length === 0) return loads;
  // Knex expands an array binding into a list, so the ids travel as one PostgreSQL array literal.
  const idArray = `{${agentIds.join(',')}}`;
  const rows = await em.execute<{ agent_id: string; load: string }[]>(
    `select agent_id, count(*)::text as load from (
       select assignee_id as agent_id from tickets where status = 'OPEN' and assignee_id = any(?::uuid[])
       union all
       select offered_to_id from tickets where offered_to_id = any(?::uuid[])
     ) as held group by agent_id`,
    [idArray, idArray],
  );
  for (const row of rows) loads.set(row.agent_id, Number(row.load));
  return loads;
}

/** One routing run at a time across every process (docs/domain.md "Routing"); held to the commit. */
export async function takeRoutingLock(em: EntityManager): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(?)', [ROUTING_LOCK_KEY]);
}

export interface RunSettings {
  autoAccept: boolean;
  offerTimeoutSeconds: number;
  /** After this much waiting a ticket's optional skills stop counting; null: never. */
  skillsTimeoutSeconds: number | null;
}

export async function readRunSettings(em: EntityManager): Promise<RunSettings> {
  const [row] = await em.execute<
    { auto_accept: boolean; offer_timeout_seconds: number; skills_timeout_seconds: number | null }[]
  >('select auto_accept, offer_timeout_seconds, skills_timeout_seconds from routing_settings where id = ?', [
    RoutingSettingsEntity.SINGLETON_ID,
  ]);
  return {
    autoAccept: row?.auto_accept ?? false,
    offerTimeoutSeconds: row?.offer_timeout_seconds ?? 30,
    skillsTimeoutSeconds: row?.skills_timeout_seconds ?? null,
  };
}

interface QueuedRow {
  id: string;
  priority: TicketPriority;
  waiting_since: string | Date;
  required_skills: string[];
  optional_skills: string[];
}

export type QueuePosition = Pick<BatchTicket, 'id' | 'priority' | 'waitingSince'>;

/**
 * The next `limit` waiting tickets in queue order after `after` (keyset), locked FOR UPDATE SKIP
 * LOCKED: a waiting ticket another transaction holds asks for routing itself after it commits.
 * Each comes with the agents that refused it.
 */
export async function lockQueueBatch(
  em: EntityManager,
  after: QueuePosition | null,
  limit: number,
): Promise<BatchTicket[]> {
  const { condition, params } = after ? queueAfter(after) : { condition: '', params: [] };
  const rows = await em.execute<QueuedRow[]>(
    `select id, priority, waiting_since, required_skills, optional_skills from tickets
      where ${WAITING} ${condition}
      order by ${QUEUE_ORDER_BY}
      limit ${limit} for update skip locked`,
    params,
  );
  const refused = await refusalsOf(
    em,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({
    id: r.id,
    priority: r.priority,
    waitingSince: new Date(r.waiting_since),
    requiredSkills: r.required_skills,
    optionalSkills: r.optional_skills,
    ...refusedSnapshot(refused, r.id),
  }));
}

/** "Comes after `position` in queue order", from QUEUE_ORDER: (a > x) or (a = x and b > y) or … */
function queueAfter(position: QueuePosition): { condition: string; params: unknown[] } {
  const value = (key: QueueKey): unknown => position[key];
  const params: unknown[] = [];
  const alternatives = QUEUE_ORDER.map((term, i) => {
    const equal = QUEUE_ORDER.slice(0, i).map(({ key }) => {
      params.push(value(key));
      return `${QUEUE_COLUMNS[key].column} = ?${QUEUE_COLUMNS[key].cast}`;
    });
    params.push(value(term.key));
    const { column, cast } = QUEUE_COLUMNS[term.key];
    return `(${[...equal, `${column} ${term.direction === 'asc' ? '>' : '<'} ?${cast}`].join(' and ')})`;
  });
  return { condition: `and (${alternatives.join(' or ')})`, params };
}

/** How many tickets wait for routing now. */
export async function countWaiting(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ waiting: number }[]>(
    `select count(*)::int as waiting from tickets where ${WAITING}`,
  );
  return row?.waiting ?? 0;
}

/**
 * Whether a waiting ticket's optional skills have lapsed by `now` (docs/domain.md "Skills
 * timeout"): such a ticket may have become placeable with nothing else changing.
 */
export async function anySkillsLapsed(
  em: EntityManager,
  skillsTimeoutSeconds: number | null,
  now: Date,
): Promise<boolean> {
  if (skillsTimeoutSeconds === null) return false;
  const [row] = await em.execute<{ lapsed: boolean }[]>(
    `select exists (
       select 1 from tickets
        where ${WAITING} and cardinality(optional_skills) > 0
          and waiting_since <= ?::timestamptz - make_interval(secs => ?)
     ) as lapsed`,
    [now, skillsTimeoutSeconds],
  );
  return row?.lapsed === true;
}

/**
 * How many tickets wait (of one channel, or all), and since when the longest-waiting one has; and
 * how many not yet solved have missed an SLA target (docs/domain.md "SLA"; a partial index holds
 * exactly those). One statement.
 */
export async function queueHead(
  em: EntityManager,
  channelId: string | null = null,
): Promise<{ waiting: number; oldestWaitingSince: Date | null; slaBreached: number }> {
  const channel = channelId === null ? '' : ' and channel_id = ?';
  const [row] = await em.execute<{ waiting: number; oldest: string | Date | null; sla_breached: number }[]>(
    `select w.waiting, w.oldest, b.sla_breached
       from (select count(*)::int as waiting, min(waiting_since) as oldest from tickets
              where ${WAITING}${channel}) w,
            (select count(*)::int as sla_breached from tickets
              where sla_breached <> '{}' and status not in ('SOLVED', 'CLOSED')${channel}) b`,
    channelId === null ? [] : [channelId, channelId],
  );
  return {
    waiting: row?.waiting ?? 0,
    oldestWaitingSince: row?.oldest ? new Date(row.oldest) : null,
    slaBreached: row?.sla_breached ?? 0,
  };
}

/** Who routing leaves out for one ticket, and why (the preview names each). */
export interface Refusals {
  /** Declined (themselves) or let expire an offer of the ticket. */
  declined: Set<string>;
  /** Had the ticket and transferred it away (docs/domain.md "Transfer"). */
  transferred: Set<string>;
}

/** The agents routing leaves out for each ticket, from the event log. */
export async function refusalsOf(
  em: EntityManager,
  ticketIds: readonly string[],
): Promise<Map<string, Refusals>> {
  const refused = new Map<string, Refusals>();
  if (ticketIds.length === 0) return refused;
  const rows = await em.execute<{ ticket_id: string; agent_id: string; transferred: boolean }[]>(
    `select distinct ticket_id, agent_id, false as transferred from ticket_events
      where ticket_id = any(?::uuid[]) and agent_id is not null
        and (kind = 'OFFER_EXPIRED' or (kind = 'OFFER_DECLINED' and actor_type = 'AGENT'))
     union
     select distinct ticket_id, previous_assignee_id, true from ticket_events
      where ticket_id = any(?::uuid[]) and kind = 'TRANSFERRED' and previous_assignee_id is not null`,
    [`{${ticketIds.join(',')}}`, `{${ticketIds.join(',')}}`],
  );
  for (const row of rows) {
    let refusals = refused.get(row.ticket_id);
    if (!refusals) refused.set(row.ticket_id, (refusals = { declined: new Set(), transferred: new Set() }));
    (row.transferred ? refusals.transferred : refusals.declined).add(row.agent_id);
  }
  return refused;
}

/** A ticket's refusals as its routing snapshot carries them. */
export function refusedSnapshot(
  refused: ReadonlyMap<string, Refusals>,
  ticketId: string,
): Pick<TicketSnapshot, 'refusedBy' | 'transferredBy'> {
  const refusals = refused.get(ticketId);
  return { refusedBy: refusals?.declined ?? new Set(), transferredBy: refusals?.transferred ?? new Set() };
}
