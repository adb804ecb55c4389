import { Agenda, type JobWithId } from 'agenda';
import { databaseFault } from '../db/availability';
import { systemClock, type Clock } from '../domain/clock';
import type { Logger } from '../observability/logger';
import { RepeatFilter } from '../observability/repeat-filter';
import type { AgendaConnection } from './agenda-backend';
import type { AutomationScheduler } from '../services/scheduler.port';
import type { Services } from '../services/services.factory';
import { agentAwayJob } from './agent-away.job';
import { closeTicketJob } from './close-ticket.job';
import { expireOfferJob } from './expire-offer.job';
import {
  AGENT_AWAY_JOB,
  CLOSE_TICKET_JOB,
  EXPIRE_OFFER_JOB,
  REASSIGN_OFFLINE_JOB,
  SLA_BREACH_JOB,
  SWEEP_JOB,
  type AgentPresenceJobData,
  type CloseTicketJobData,
  type ExpireOfferJobData,
  type SlaBreachJobData,
} from './job-names';
import { reassignOfflineJob } from './reassign-offline.job';
import { slaBreachJob } from './sla-breach.job';
import { sweepJob } from './sweep.job';

export interface SchedulerOptions {
  /** How often Agenda looks for due jobs (it also locks jobs due within this window ahead). */
  processEveryMs: number;
  sweepEveryMs: number;
}

// Short job locks: these jobs take milliseconds, and Agenda keeps a liveness timer of half the lock
// lifetime running after a job, which would otherwise hold a stopping process for minutes.
const LOCK_LIFETIME_MS = 10_000;

/**
 * A job that failed because the database was away runs again soon (its due work is still due),
 * backing off to 30 s; any other failure is not retried here (the sweep looks again every minute).
 */
/** Where job lateness is reported (observability/metrics.registry.ts). */
export interface JobMetrics {
  jobStarted(job: string, latenessSeconds: number): void;
}

// Due times of jobs locked but not yet started; a job locked and then released or cancelled
// leaves its entry behind, so the oldest go past this many.
const MAX_PENDING_DUE_TIMES = 10_000;

const retryWhileDatabaseAway = ({ attempt, error }: { attempt: number; error: Error }): number | null =>
  databaseFault(error) ? Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1)) : null;

/** Agenda behind the AutomationScheduler port, and the job handlers it runs. */
export class AgendaScheduler implements AutomationScheduler {
  private readonly agenda: Agenda;
  private started = false;

  constructor(
    private readonly connection: AgendaConnection,
    private readonly options: SchedulerOptions,
    private readonly logger: Logger,
    /** The services' clock; due times are in its time. */
    private readonly clock: Clock = systemClock,
    metrics?: JobMetrics,
  ) {
    this.agenda = new Agenda({
      backend: connection.backend,
      notificationChannel: connection.notificationChannel,
      name: `parley-${process.pid}`,
      processEvery: options.processEveryMs,
      defaultLockLifetime: LOCK_LIFETIME_MS,
      removeOnComplete: true,
    });
    // While the database is away every poll fails the same way: one line a minute per failure.
    const repeats = new RepeatFilter(60_000);
    this.agenda.on('error', (err: unknown) => {
      if (repeats.fresh(err)) this.logger.error({ err }, 'scheduler error');
    });
    this.agenda.on('fail', (err: unknown, job: { attrs: { name: string } }) =>
      this.logger.error({ err, job: job.attrs.name }, 'scheduled job failed'),
    );
    if (metrics) this.measureLateness(metrics);
  }

  /**
   * By 'start', Agenda has overwritten the job's due time (nextRunAt becomes the next repeat, or
   * null; lastRunAt is the start itself), so the due time is taken where the processor locks the
   * job (getNextJobToRun returns it). Both are wall-clock times (see wallTime()).
   */
  private measureLateness(metrics: JobMetrics): void {
    const dueAt = new Map<string, Date>();
    const repository = this.connection.backend.repository;
    const lockNext = repository.getNextJobToRun.bind(repository);
    repository.getNextJobToRun = async (...args) => {
      const job = await lockNext(...args);
      if (job?._id !== undefined && job.nextRunAt) {
        dueAt.set(String(job._id), job.nextRunAt);
        if (dueAt.size > MAX_PENDING_DUE_TIMES) dueAt.delete(dueAt.keys().next().value!);
      }
      return job;
    };
    this.agenda.on('start', (job: JobWithId, remote?: boolean) => {
      // Other processes' starts arrive too (the notification channel): they measure their own.
      if (remote) return;
      const id = String(job.attrs._id);
      const due = dueAt.get(id);
      dueAt.delete(id);
      if (!due) return;
      const started = job.attrs.lastRunAt ?? systemClock.now();
      metrics.jobStarted(job.attrs.name, (started.getTime() - due.getTime()) / 1000);
    });
  }

  /** Defines the jobs (they call the same service methods a resolver would) and starts processing. */
  async start(services: Services): Promise<void> {
    const definition = { lockLifetime: LOCK_LIFETIME_MS, concurrency: 20, backoff: retryWhileDatabaseAway };
    this.agenda.define(CLOSE_TICKET_JOB, closeTicketJob(services), definition);
    this.agenda.define(EXPIRE_OFFER_JOB, expireOfferJob(services), definition);
    this.agenda.define(AGENT_AWAY_JOB, agentAwayJob(services), definition);
    this.agenda.define(REASSIGN_OFFLINE_JOB, reassignOfflineJob(services), definition);
    this.agenda.define(SLA_BREACH_JOB, slaBreachJob(services), definition);
    this.agenda.define(SWEEP_JOB, sweepJob(services, this.logger), {
      lockLifetime: LOCK_LIFETIME_MS,
      concurrency: 1,
      backoff: retryWhileDatabaseAway,
    });
    await this.agenda.start();
    this.started = true;
    await this.agenda.every(this.options.sweepEveryMs, SWEEP_JOB);
    // Catch up at once on what fell due while no server was running.
    await this.agenda.now(SWEEP_JOB);
  }

  async stop(): Promise<void> {
    if (this.started) {
      this.started = false;
      await this.agenda.stop();
    }
    await this.connection.close();
  }

  /**
   * Agenda waits by the wall clock; due times are in the services' clock. A job is due after the
   * same delay on both, so a test clock set months back does not make every job fire at once (the
   * job would find nothing due, yet hold its ticket's lock while other work ran). With the system
   * clock this is `at` itself.
   */
  private wallTime(at: Date): Date {
    if (this.clock === systemClock) return at;
    return new Date(systemClock.now().getTime() + (at.getTime() - this.clock.now().getTime()));
  }

  async scheduleClose(ticketId: string, solvedAt: Date, at: Date): Promise<void> {
    const data: CloseTicketJobData = { ticketId, solvedAt: solvedAt.toISOString() };
    // One close job per ticket: a new solve (or a new interval) replaces the old one.
    await this.agenda
      .create(CLOSE_TICKET_JOB, data)
      .unique({ 'data.ticketId': ticketId })
      .schedule(this.wallTime(at))
      .save();
  }

  async cancelClose(ticketId: string): Promise<void> {
    await this.agenda.cancel({ name: CLOSE_TICKET_JOB, data: { ticketId } });
  }

  async scheduleOfferExpiry(ticketId: string, agentId: string, at: Date): Promise<void> {
    const data: ExpireOfferJobData = { ticketId, agentId };
    await this.agenda
      .create(EXPIRE_OFFER_JOB, data)
      .unique({ 'data.ticketId': ticketId })
      .schedule(this.wallTime(at))
      .save();
  }

  async scheduleSlaCheck(ticketId: string, at: Date): Promise<void> {
    const data: SlaBreachJobData = { ticketId };
    // One per ticket: the next look replaces the earlier one (the job reads the due times it finds).
    await this.agenda
      .create(SLA_BREACH_JOB, data)
      .unique({ 'data.ticketId': ticketId })
      .schedule(this.wallTime(at))
      .save();
  }

  scheduleAgentAway(agentId: string, at: Date): Promise<void> {
    return this.schedulePresence(AGENT_AWAY_JOB, agentId, at);
  }

  scheduleOfflineReturn(agentId: string, at: Date): Promise<void> {
    return this.schedulePresence(REASSIGN_OFFLINE_JOB, agentId, at);
  }

  /** One job of each kind per agent: a later disconnect or a later OFFLINE replaces the earlier one's. */
  private async schedulePresence(name: string, agentId: string, at: Date): Promise<void> {
    const data: AgentPresenceJobData = { agentId };
    await this.agenda
      .create(name, data)
      .unique({ 'data.agentId': agentId })
      .schedule(this.wallTime(at))
      .save();
  }
}
