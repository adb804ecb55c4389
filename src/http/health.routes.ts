import type { MikroORM } from '@mikro-orm/postgresql';
import { Router } from 'express';

/**
 * /healthz: the process is up (for restarts). /readyz: it can serve (database reachable and every
 * migration applied), for load balancers deciding whether to send traffic.
 */
export function healthRoutes(orm: MikroORM): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await orm.em.getConnection().execute('select 1');
      const pending = await orm.getMigrator().getPendingMigrations();
      if (pending.length > 0) {
        res.status(503).json({ status: 'migrating', pendingMigrations: pending.map((m) => m.name) });
        return;
      }
      res.json({ status: 'ready' });
    } catch (err) {
      res
        .status(503)
        .json({ status: 'unavailable', reason: err instanceof Error ? err.message : String(err) });
    }
  });
  return router;
}
