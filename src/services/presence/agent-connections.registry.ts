import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PresenceTiming } from '../../config/limits';
import type { Logger } from '../../observability/logger';
import { RepeatFilter } from '../../observability/repeat-filter';
import type { PresenceService } from './presence.service';
import {
  heartbeat,
  reapDeadProcesses,
  registerProcess,
  unregisterProcess,
  writeConnections,
} from './presence.store';

/**
 * This process's authenticated agent sockets (docs/domain.md "Presence"), mirrored into
 * `agent_connections` so that every process knows whether an agent is connected anywhere. Counts
 * are kept here and written as absolute values, one write at a time per agent, so a write that
 * failed (the database away) is made good by writing the count again at the next heartbeat.
 */
export class AgentConnectionRegistry {
  readonly processId = randomUUID();
  private readonly sockets = new Map<string, number>();
  private readonly writing = new Map<string, Promise<void>>();
  /** Agents whose last write failed: written again at the next heartbeat. */
  private readonly unwritten = new Set<string>();
  private readonly repeats = new RepeatFilter(60_000);
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;

  constructor(
    private readonly em: EntityManager,
    private readonly presence: PresenceService,
    private readonly timing: PresenceTiming,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await registerProcess(this.em.fork(), this.processId);
    this.timer = setInterval(() => void this.beat(), this.timing.heartbeatMs);
    this.timer.unref();
  }

  /** A socket authenticated as the agent. Resolves once the count is written (or failed to be). */
  opened(agentId: string): Promise<void> {
    this.sockets.set(agentId, (this.sockets.get(agentId) ?? 0) + 1);
    return this.write(agentId);
  }

  closed(agentId: string): Promise<void> {
    const left = (this.sockets.get(agentId) ?? 0) - 1;
    if (left > 0) this.sockets.set(agentId, left);
    else this.sockets.delete(agentId);
    return this.write(agentId);
  }

  /**
   * After the sockets were closed: waits for their writes, then takes this process's rows away
   * (recording the disconnect of any agent that still had one here, should a close have been missed).
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    await Promise.all(this.writing.values());
    try {
      const agents = await unregisterProcess(this.em.fork(), this.processId);
      for (const agentId of agents) await this.presence.connectionGone(agentId);
    } catch (err) {
      // Its heartbeat stops with it: the other processes take its rows for dead's soon enough.
      this.logger.warn({ err, component: 'presence' }, 'could not remove this process from presence');
    }
  }

  /** One heartbeat now (tests call it rather than wait for the timer). */
  heartbeatNow(): Promise<void> {
    return this.beat();
  }

  private beat(): Promise<void> {
    this.beating ??= this.beatOnce().finally(() => (this.beating = null));
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    try {
      const em = this.em.fork();
      if (!(await heartbeat(em, this.processId))) {
        // Taken for dead while alive (a long pause, the database away): back, with every count.
        await registerProcess(em, this.processId);
        this.logger.warn({ component: 'presence' }, 'this process was taken for dead; registered again');
        for (const agentId of this.sockets.keys()) this.unwritten.add(agentId);
      }
      for (const agentId of [...this.unwritten]) await this.write(agentId);
      const orphaned = await reapDeadProcesses(em, this.timing.staleAfterMs);
      for (const agentId of orphaned) await this.presence.connectionGone(agentId);
    } catch (err) {
      if (this.repeats.fresh(err))
        this.logger.warn({ err, component: 'presence' }, 'presence heartbeat failed');
    }
  }

  /** Writes the agent's current count after any write before it; never rejects. */
  private write(agentId: string): Promise<void> {
    const next = (this.writing.get(agentId) ?? Promise.resolve()).then(() => this.writeNow(agentId));
    this.writing.set(agentId, next);
    void next.then(() => {
      if (this.writing.get(agentId) === next) this.writing.delete(agentId);
    });
    return next;
  }

  private async writeNow(agentId: string): Promise<void> {
    const sockets = this.sockets.get(agentId) ?? 0;
    try {
      if (sockets > 0) await writeConnections(this.em.fork(), this.processId, agentId, sockets);
      else await this.presence.connectionGone(agentId, this.processId);
      this.unwritten.delete(agentId);
    } catch (err) {
      this.unwritten.add(agentId);
      if (this.repeats.fresh(err)) {
        this.logger.warn({ err, agentId, component: 'presence' }, 'could not record a socket; retrying');
      }
    }
  }
}
