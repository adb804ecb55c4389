import type { MikroORM } from '@mikro-orm/postgresql';
import { Router } from 'express';
import type { DatabaseAvailability } from '../db/availability';

// Load balancers give up on a check after a few seconds: answer well before that, whatever hangs.
const READY_DEADLINE_MS = 1_500;

export interface ReadinessSources {
  orm: MikroORM;
  availability: DatabaseAvailability;
  /** The event stream's connection: a process that cannot read the log delivers nothing new. */
  events?: { listening(): boolean };
}

/**
 * /healthz: the process is up (for restarts); it never touches the database. /readyz: it can serve
 * (database answering, every migration applied, the event stream connected), for load balancers
 * deciding whether to send traffic; it answers within READY_DEADLINE_MS whatever the database does.
 */
export function healthRoutes({ orm, availability, events }: ReadinessSources): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const unavailable = (reason: string): void => {
      res.status(503).json({ status: 'unavailable', reason });
    };
    if (!availability.available()) return unavailable('the database is unavailable');
    if (events && !events.listening()) return unavailable('the event stream is reconnecting');
    try {
      const pending = await withDeadline(
        (async () => {
          await availability.check();
          return orm.getMigrator().getPendingMigrations();
        })(),
        READY_DEADLINE_MS,
      );
      if (pending.length > 0) {
        res.status(503).json({ status: 'migrating', pendingMigrations: pending.map((m) => m.name) });
        return;
      }
      res.json({ status: 'ready' });
    } catch (err) {
      availability.report(err);
      unavailable(err instanceof Error ? err.message : String(err));
    }
  });
  return router;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
