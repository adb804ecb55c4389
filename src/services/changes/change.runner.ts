import {
  DeadlockException,
  ForeignKeyConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TicketEventBus } from '../../events/ticket-event.bus';
import type { AfterCommit } from './after-commit';
import { ChangeTransaction } from './change-transaction';

const MAX_ATTEMPTS = 3;

export interface ChangeOptions {
  /**
   * Unique constraints whose violation means a concurrent request won a race the locks do not
   * cover; the work is retried and then finds that request's result.
   */
  retryOnUnique?: ReadonlySet<string>;
}

export interface Changed<T> {
  value: T;
  /** Whether a routing run followed the commit: a ticket the work returned may be stale. */
  routed: boolean;
}

/**
 * Runs every change: `work` on a fresh fork in one transaction, through a ChangeTransaction; then
 * its writes (the event-log rows among them), COMMIT, a wake-up for the event stream's readers,
 * and the after-commit effects. Nothing is announced inside the transaction: readers find the
 * change in the log. PostgreSQL may break a lock cycle by aborting one transaction (a deadlock);
 * the work then runs again from the start, which is safe because nothing leaves the transaction
 * before the commit.
 */
export class ChangeRunner {
  constructor(
    private readonly em: EntityManager,
    private readonly bus: TicketEventBus,
    private readonly afterCommit: AfterCommit,
  ) {}

  async run<T>(
    work: (change: ChangeTransaction) => Promise<T>,
    options: ChangeOptions = {},
  ): Promise<Changed<T>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [value, change] = await this.em.fork().transactional(async (tx) => {
          const unit = new ChangeTransaction(tx);
          const result = await work(unit);
          await unit.write();
          return [result, unit] as const;
        });
        if (change.changedAny()) this.bus.committed();
        const routed = await this.afterCommit.run(change.afterCommitEffects());
        return { value, routed };
      } catch (err) {
        if (attempt < MAX_ATTEMPTS && isRetryable(err, options)) continue;
        throw err;
      }
    }
  }
}

// A policy deleted while a change matched a ticket to it (docs/domain.md "SLA"): run again, with
// the policies as they are now.
const SLA_POLICY_GONE = 'tickets_sla_policy_id_foreign';

function isRetryable(err: unknown, options: ChangeOptions): boolean {
  if (err instanceof DeadlockException) return true;
  if (err instanceof ForeignKeyConstraintViolationException) {
    return (err as { constraint?: string }).constraint === SLA_POLICY_GONE;
  }
  if (err instanceof UniqueConstraintViolationException && options.retryOnUnique) {
    const constraint = (err as { constraint?: string }).constraint;
    return constraint !== undefined && options.retryOnUnique.has(constraint);
  }
  return false;
}
