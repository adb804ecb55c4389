import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { badInput } from '../domain/errors';

/**
 * The database is the arbiter of uniqueness under concurrency: a pre-check can race, the index cannot.
 * Maps a unique violation on `constraint` to a BAD_USER_INPUT on `field`.
 */
export async function refuseDuplicates<T>(
  run: () => Promise<T>,
  constraints: Readonly<Record<string, { field: string; message: string }>>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) {
      const constraint = (err as UniqueConstraintViolationException & { constraint?: string }).constraint;
      const match = constraint ? constraints[constraint] : undefined;
      if (match) throw badInput(match.field, match.message);
    }
    throw err;
  }
}
