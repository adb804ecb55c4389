import { DeadlockException, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TicketEventBus } from '../events/ticket-event.bus';
import { TicketEventRecorder } from './ticket-event.recorder';

const MAX_ATTEMPTS = 3;

export interface TransactionOptions {
  /**
   * Unique constraints whose violation means a concurrent request won a race the locks do not
   * cover; the work is retried and then finds that request's result.
   */
  retryOnUnique?: ReadonlySet<string>;
}

/**
 * Runs `work` in a transaction on a fresh fork, with a fresh event recorder, and publishes the
 * recorded ticket events with the commit (never for a rollback). PostgreSQL may break a lock
 * cycle by aborting one transaction (a deadlock); the work is then run again, which is safe because
 * nothing leaves the transaction before the commit.
 */
export async function transact<T>(
  root: EntityManager,
  bus: TicketEventBus,
  work: (tx: EntityManager, recorder: TicketEventRecorder) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const recorder = new TicketEventRecorder();
    try {
      const result = await root.fork().transactional(async (tx) => {
        const value = await work(tx, recorder);
        await tx.flush();
        // Inside the transaction: a transport that notifies through PostgreSQL is then delivered
        // in commit order, and only if the transaction commits.
        await bus.beforeCommit(tx, recorder.events());
        return value;
      });
      bus.afterCommit(recorder.events());
      return result;
    } catch (err) {
      if (attempt < MAX_ATTEMPTS && isRetryable(err, options)) continue;
      throw err;
    }
  }
}

function isRetryable(err: unknown, options: TransactionOptions): boolean {
  if (err instanceof DeadlockException) return true;
  if (err instanceof UniqueConstraintViolationException && options.retryOnUnique) {
    const constraint = (err as { constraint?: string }).constraint;
    return constraint !== undefined && options.retryOnUnique.has(constraint);
  }
  return false;
}
