import type { TicketEventBus } from '../../events/ticket-event.bus';
import type { Logger } from '../../observability/logger';
import type { AutomationScheduler } from '../scheduler.port';

/**
 * What a committed change still has to set going outside its transaction. Each is stated inside
 * the transaction (ChangeTransaction.after) and handled once the commit succeeded, never for a
 * rollback. Adding a kind here does not compile until AfterCommit.run handles it.
 */
export type AfterCommitEffect =
  /** A SOLVED ticket's close, at its time (replacing any earlier close of the ticket). */
  | { readonly type: 'SCHEDULE_CLOSE'; readonly ticketId: string; readonly solvedAt: Date; readonly at: Date }
  | { readonly type: 'CANCEL_SCHEDULED_CLOSE'; readonly ticketId: string }
  | {
      readonly type: 'SCHEDULE_OFFER_EXPIRY';
      readonly ticketId: string;
      readonly agentId: string;
      readonly at: Date;
    }
  /** docs/domain.md "Presence": an agent to look at then (AWAY for want of a socket; tickets back from OFFLINE). */
  | { readonly type: 'SCHEDULE_AGENT_AWAY'; readonly agentId: string; readonly at: Date }
  | { readonly type: 'SCHEDULE_OFFLINE_RETURN'; readonly agentId: string; readonly at: Date }
  /** docs/domain.md "SLA": look at the ticket then for missed targets (one job per ticket, a later request replacing it). */
  | { readonly type: 'SCHEDULE_SLA_CHECK'; readonly ticketId: string; readonly at: Date }
  /** An agent's status, capacity, skills or name changed: agentChanged and the queue figures follow. */
  | { readonly type: 'AGENT_CHANGED'; readonly agentId: string }
  /** The balance may have changed (a ticket waits, capacity was freed): run routing. */
  | { readonly type: 'ROUTE' };

export interface RouteRequester {
  /** Resolves when a routing run that started after the call has ended. */
  routeQueue(): Promise<void>;
}

/**
 * The one after-commit step. Scheduling never fails the caller: a lost close or expiry costs only
 * timeliness, since the sweep finds every overdue one. A routing run is awaited (many ROUTE
 * effects share one run), so the caller can answer with what routing did; its failure is logged,
 * not thrown, because the caller's change is committed either way.
 */
export class AfterCommit {
  constructor(
    private readonly scheduler: AutomationScheduler,
    private readonly bus: Pick<TicketEventBus, 'publishAgentChanged'>,
    private readonly routing: () => RouteRequester,
    private readonly logger: Logger,
  ) {}

  /** Returns whether a routing run happened (the caller's view of a ticket may then be stale). */
  async run(effects: readonly AfterCommitEffect[]): Promise<boolean> {
    let route = false;
    for (const effect of effects) {
      switch (effect.type) {
        case 'SCHEDULE_CLOSE':
          await this.schedule(effect.ticketId, 'a close', () =>
            this.scheduler.scheduleClose(effect.ticketId, effect.solvedAt, effect.at),
          );
          break;
        case 'CANCEL_SCHEDULED_CLOSE':
          await this.schedule(effect.ticketId, 'the cancel of a close', () =>
            this.scheduler.cancelClose(effect.ticketId),
          );
          break;
        case 'SCHEDULE_OFFER_EXPIRY':
          await this.schedule(effect.ticketId, 'an offer expiry', () =>
            this.scheduler.scheduleOfferExpiry(effect.ticketId, effect.agentId, effect.at),
          );
          break;
        case 'SCHEDULE_AGENT_AWAY':
          await this.schedule(effect.agentId, 'a presence check', () =>
            this.scheduler.scheduleAgentAway(effect.agentId, effect.at),
          );
          break;
        case 'SCHEDULE_OFFLINE_RETURN':
          await this.schedule(effect.agentId, "the return of an OFFLINE agent's tickets", () =>
            this.scheduler.scheduleOfflineReturn(effect.agentId, effect.at),
          );
          break;
        case 'SCHEDULE_SLA_CHECK':
          await this.schedule(effect.ticketId, 'an SLA check', () =>
            this.scheduler.scheduleSlaCheck(effect.ticketId, effect.at),
          );
          break;
        case 'AGENT_CHANGED':
          this.bus.publishAgentChanged(effect.agentId);
          break;
        case 'ROUTE':
          route = true;
          break;
        default:
          return unhandled(effect);
      }
    }
    if (!route) return false;
    try {
      await this.routing().routeQueue();
    } catch (err) {
      this.logger.error({ err }, 'routing run after a change failed; the next trigger routes again');
    }
    return true;
  }

  /** `id`: the ticket's, or for presence the agent's. */
  private async schedule(id: string, what: string, request: () => Promise<void>): Promise<void> {
    try {
      await request();
    } catch (err) {
      this.logger.error({ err, id }, `could not schedule ${what}; the sweep will catch it`);
    }
  }
}

function unhandled(effect: never): never {
  throw new Error(`after-commit effect not handled: ${JSON.stringify(effect)}`);
}
