import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgentStatus } from '../../domain/agent/agent.rules';
import { awayDueAt, isAwayDue, isReassignDue, reassignDueAt } from '../../domain/agent/presence.rules';
import type { Clock } from '../../domain/clock';
import { SYSTEM_ACTOR, TicketStatus } from '../../domain/ticket/ticket.enums';
import { AgentEntity } from '../../entities/agent.entity';
import { TicketEntity } from '../../entities/ticket.entity';
import type { AfterCommitEffect } from '../changes/after-commit';
import type { ChangeRunner } from '../changes/change.runner';
import type { ChangeTransaction } from '../changes/change-transaction';
import { sweepDue } from '../changes/sweep';
import { isId } from '../ids';
import {
  agentsDueAway,
  agentsDueReturn,
  readPresence,
  recordDisconnect,
  removeConnections,
} from './presence.store';

const HELD: TicketStatus[] = [TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD];

/**
 * docs/domain.md "Presence": an ONLINE agent with no socket anywhere for `awayAfterDisconnectSeconds`
 * goes AWAY; an agent OFFLINE for `reassignAfterOfflineSeconds` has its held tickets returned to the
 * queue. Each is a job at the due time plus the sweep; both look again under the agent's row lock and
 * act only if the rule says so then, so a duplicate, stale or concurrent run changes nothing.
 */
export class PresenceService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly changes: ChangeRunner,
  ) {}

  /**
   * One of the agent's sockets went, or all of a process's did (`processId` given: that process's
   * count for the agent, now 0, is removed here). If none is left anywhere, the disconnect is
   * recorded and the AWAY check scheduled. Under the agent's row lock, so two processes losing the
   * agent's last sockets at once see each other's removal.
   */
  async connectionGone(agentId: string, processId?: string): Promise<void> {
    await this.changes.run(async (change) => {
      const agent = await this.lockAgent(change, agentId);
      if (processId !== undefined) await removeConnections(change.tx, processId, agentId);
      if (!agent) return;
      const presence = await readPresence(change.tx, agentId);
      if (presence.connections > 0) return;
      const now = this.clock.now();
      await recordDisconnect(change.tx, agentId, now);
      const due = awayDueAt(
        { status: agent.status, statusSince: agent.statusSince, disconnectedAt: now, connections: 0 },
        presence.awayAfterDisconnectSeconds,
      );
      if (due) change.after({ type: 'SCHEDULE_AGENT_AWAY', agentId, at: due });
    });
  }

  /** The job's and the sweep's: sets the agent AWAY if that is due now. */
  async awayIfDue(agentId: string, now: Date = this.clock.now()): Promise<boolean> {
    if (!isId(agentId)) return false;
    const { value } = await this.changes.run(async (change) => {
      const agent = await this.lockAgent(change, agentId);
      if (!agent) return false;
      const presence = await readPresence(change.tx, agentId);
      const facts = { status: agent.status, statusSince: agent.statusSince, ...presence };
      if (!isAwayDue(facts, presence.awayAfterDisconnectSeconds, now)) return false;
      return change.setAgentStatus(agent, AgentStatus.AWAY, now);
    });
    return value;
  }

  /**
   * The job's and the sweep's: if the agent has been OFFLINE long enough, each of its OPEN, PENDING
   * and ON_HOLD tickets goes back to the queue (one change each, keeping its place). Returns how
   * many went; 0 when nothing was due or nothing was held.
   */
  async returnTicketsIfDue(agentId: string, now: Date = this.clock.now()): Promise<number> {
    if (!isId(agentId)) return 0;
    const { value } = await this.changes.run(async (change) => {
      const agent = await this.lockAgent(change, agentId);
      if (!agent) return 0;
      const { reassignAfterOfflineSeconds } = await readPresence(change.tx, agentId);
      if (!isReassignDue(agent, reassignAfterOfflineSeconds, now)) return 0;
      // The agent's row before its tickets' rows: the lock order everywhere.
      const held = await change.tx.find(
        TicketEntity,
        { assignee: agentId, status: { $in: HELD } },
        { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
      );
      let returned = 0;
      for (const ticket of held) {
        if (await change.tryChange(ticket, { type: 'RETURN_FROM_OFFLINE' }, SYSTEM_ACTOR, now)) returned++;
      }
      return returned;
    });
    return value;
  }

  /** The sweep: every agent whose AWAY is overdue (a lost job, a changed setting, a dead process). */
  awayOverdue(now: Date = this.clock.now(), batch = 200): Promise<number> {
    return sweepDue(
      (limit) => agentsDueAway(this.em.fork(), now, limit),
      (agentId) => this.awayIfDue(agentId, now),
      batch,
    );
  }

  /** The sweep: every OFFLINE agent whose tickets are overdue to return. Returns how many agents. */
  returnOverdue(now: Date = this.clock.now(), batch = 200): Promise<number> {
    return sweepDue(
      (limit) => agentsDueReturn(this.em.fork(), now, limit),
      async (agentId) => (await this.returnTicketsIfDue(agentId, now)) > 0,
      batch,
    );
  }

  private lockAgent(change: ChangeTransaction, agentId: string): Promise<AgentEntity | null> {
    return change.tx.findOne(AgentEntity, { id: agentId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }
}

/**
 * What an agent's status change schedules for presence (ChangeTransaction.setAgentStatus, under the
 * agent's row lock): going OFFLINE starts the wait for its tickets' return; going ONLINE with no
 * socket open, after having had one, starts the wait for AWAY.
 */
export async function presenceAfterStatusChange(
  tx: EntityManager,
  agent: Pick<AgentEntity, 'id' | 'status' | 'statusSince'>,
): Promise<AfterCommitEffect | null> {
  if (agent.status === AgentStatus.AWAY) return null;
  const presence = await readPresence(tx, agent.id);
  if (agent.status === AgentStatus.OFFLINE) {
    const at = reassignDueAt(agent, presence.reassignAfterOfflineSeconds);
    return at ? { type: 'SCHEDULE_OFFLINE_RETURN', agentId: agent.id, at } : null;
  }
  const at = awayDueAt({ ...agent, ...presence }, presence.awayAfterDisconnectSeconds);
  return at ? { type: 'SCHEDULE_AGENT_AWAY', agentId: agent.id, at } : null;
}
