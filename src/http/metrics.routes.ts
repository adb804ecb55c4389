import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { ParleyMetrics } from '../observability/metrics.registry';

export interface MetricsAccess {
  adminToken: string;
  /** A token that may read /metrics and nothing else (PARLEY_METRICS_TOKEN), so a scraper need not hold the admin's. */
  metricsToken?: string;
}

/**
 * GET /metrics: the Prometheus text format, for the admin token or the metrics token only. Anything
 * else is 401 with no body: queue sizes and operation names are the deployment's business.
 */
export function metricsRoutes(metrics: ParleyMetrics, access: MetricsAccess): Router {
  const accepted = [access.adminToken, access.metricsToken]
    .filter((t): t is string => t !== undefined)
    .map(digest);
  const router = Router();
  router.get('/metrics', async (req, res, next) => {
    const presented = bearer(req.headers.authorization);
    // Every accepted token is compared, each in constant time: neither the match nor which token
    // matched shows in the timing.
    let allowed = false;
    if (presented !== undefined) {
      const hash = digest(presented);
      for (const token of accepted) allowed = timingSafeEqual(hash, token) || allowed;
    }
    if (!allowed) {
      res.status(401).set('www-authenticate', 'Bearer').set('cache-control', 'no-store').end();
      return;
    }
    try {
      const body = await metrics.scrape();
      res.status(200).set('content-type', metrics.contentType).set('cache-control', 'no-store').send(body);
    } catch (err) {
      next(err);
    }
  });
  return router;
}

function bearer(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

// Digests have one length whatever the tokens' lengths, as timingSafeEqual requires.
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
