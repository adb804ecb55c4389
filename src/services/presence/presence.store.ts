import type { EntityManager } from '@mikro-orm/postgresql';
import type { PresenceFacts } from '../../domain/agent/presence.rules';
import { RoutingSettingsEntity } from '../../entities/routing-settings.entity';

/**
 * Presence's SQL (docs/domain.md "Presence"). Connections are counted per process and agent; a
 * process's heartbeat is in the database's own time (`now()`), so every process judges the others
 * by one clock, whatever the services' clock says.
 */

export interface PresenceSettings {
  awayAfterDisconnectSeconds: number | null;
  reassignAfterOfflineSeconds: number | null;
}

/** The settings and, for one agent, its open sockets anywhere and its last disconnect: one round trip. */
export async function readPresence(
  em: EntityManager,
  agentId: string,
): Promise<PresenceSettings & Pick<PresenceFacts, 'connections' | 'disconnectedAt'>> {
  const [row] = await em.execute<
    {
      away: number | null;
      reassign: number | null;
      connections: number;
      disconnected_at: string | Date | null;
    }[]
  >(
    `select s.away_after_disconnect_seconds as away, s.reassign_after_offline_seconds as reassign,
            (select coalesce(sum(sockets), 0)::int from agent_connections where agent_id = ?) as connections,
            (select disconnected_at from agent_disconnects where agent_id = ?) as disconnected_at
       from routing_settings s where s.id = ?`,
    [agentId, agentId, RoutingSettingsEntity.SINGLETON_ID],
  );
  return {
    awayAfterDisconnectSeconds: row?.away ?? null,
    reassignAfterOfflineSeconds: row?.reassign ?? null,
    connections: row?.connections ?? 0,
    disconnectedAt: row?.disconnected_at ? new Date(row.disconnected_at) : null,
  };
}

/** This process's sockets for the agent, as an absolute count (so a repeated write does no harm). */
export async function writeConnections(
  em: EntityManager,
  processId: string,
  agentId: string,
  sockets: number,
): Promise<void> {
  await em.execute(
    `insert into agent_connections (process_id, agent_id, sockets) values (?, ?, ?)
       on conflict (process_id, agent_id) do update set sockets = excluded.sockets`,
    [processId, agentId, sockets],
  );
}

export async function removeConnections(
  em: EntityManager,
  processId: string,
  agentId: string,
): Promise<void> {
  await em.execute('delete from agent_connections where process_id = ? and agent_id = ?', [
    processId,
    agentId,
  ]);
}

export async function recordDisconnect(em: EntityManager, agentId: string, at: Date): Promise<void> {
  await em.execute(
    `insert into agent_disconnects (agent_id, disconnected_at) values (?, ?)
       on conflict (agent_id) do update set disconnected_at = excluded.disconnected_at`,
    [agentId, at],
  );
}

/** Registers the process, or tells it it is still alive; false when it was not registered (any more). */
export async function heartbeat(em: EntityManager, processId: string): Promise<boolean> {
  const rows = await em.execute<{ id: string }[]>(
    'update presence_processes set heartbeat_at = now() where id = ? returning id',
    [processId],
  );
  return rows.length > 0;
}

export async function registerProcess(em: EntityManager, processId: string): Promise<void> {
  await em.execute(
    `insert into presence_processes (id, heartbeat_at) values (?, now())
       on conflict (id) do update set heartbeat_at = excluded.heartbeat_at`,
    [processId],
  );
}

/** A stopping process's rows: its connections (the agents they were for) and itself. */
export async function unregisterProcess(em: EntityManager, processId: string): Promise<string[]> {
  return em.transactional(async (tx) => {
    const rows = await tx.execute<{ agent_id: string }[]>(
      'delete from agent_connections where process_id = ? returning agent_id',
      [processId],
    );
    await tx.execute('delete from presence_processes where id = ?', [processId]);
    return rows.map((r) => r.agent_id);
  });
}

/**
 * Forgets processes whose heartbeat is older than `staleAfterMs`: they died, or lost the database
 * for that long (such a one registers again at its next heartbeat and writes its counts afresh).
 * Returns the agents whose connections went with them.
 */
export async function reapDeadProcesses(em: EntityManager, staleAfterMs: number): Promise<string[]> {
  return em.transactional(async (tx) => {
    const stale = `heartbeat_at < now() - make_interval(secs => ?)`;
    const rows = await tx.execute<{ agent_id: string }[]>(
      `delete from agent_connections c using presence_processes p
        where p.id = c.process_id and p.${stale} returning c.agent_id`,
      [staleAfterMs / 1000],
    );
    await tx.execute(`delete from presence_processes where ${stale}`, [staleAfterMs / 1000]);
    return [...new Set(rows.map((r) => r.agent_id))];
  });
}

/**
 * The sweep's candidates for AWAY: ONLINE agents with no socket anywhere whose wait (from the last
 * disconnect, or from going ONLINE if later) has run out by `now`; the rule itself is checked
 * again under each agent's lock (domain/agent/presence.rules.ts).
 */
export async function agentsDueAway(em: EntityManager, now: Date, limit: number): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select a.id from agents a
       join agent_disconnects d on d.agent_id = a.id
       join routing_settings s on s.id = ? and s.away_after_disconnect_seconds is not null
      where a.status = 'ONLINE'
        and greatest(d.disconnected_at, coalesce(a.status_since, d.disconnected_at))
            + make_interval(secs => s.away_after_disconnect_seconds) <= ?::timestamptz
        and not exists (select 1 from agent_connections c where c.agent_id = a.id)
      order by a.id limit ?`,
    [RoutingSettingsEntity.SINGLETON_ID, now, limit],
  );
  return rows.map((r) => r.id);
}

/** The sweep's candidates for returning tickets: agents OFFLINE long enough that still hold some. */
export async function agentsDueReturn(em: EntityManager, now: Date, limit: number): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select a.id from agents a
       join routing_settings s on s.id = ? and s.reassign_after_offline_seconds is not null
      where a.status = 'OFFLINE'
        and a.status_since + make_interval(secs => s.reassign_after_offline_seconds) <= ?::timestamptz
        and exists (select 1 from tickets t
                     where t.assignee_id = a.id and t.status in ('OPEN', 'PENDING', 'ON_HOLD'))
      order by a.id limit ?`,
    [RoutingSettingsEntity.SINGLETON_ID, now, limit],
  );
  return rows.map((r) => r.id);
}
