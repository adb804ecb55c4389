import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { nowMs, summarize, type LatencySummary } from '../lib/stats';

/**
 * P8's partner side: a webhook receiver on loopback (one path per endpoint, each with its secret),
 * and the baseline's raw loop of signed POSTs to it. The receiver verifies every signature as a
 * partner would (docs/domain.md "Outbound delivery to partners": `t=<unix seconds>,v1=<hex
 * HMAC-SHA256(secret, "<t>.<raw body>")>`) and takes each request's latency from the document's
 * `at` (for Parley: the change's time, taken in its transaction just before the commit).
 */

let server: http.Server | undefined;
let secrets = new Map<string, string>();
let latencies: number[] = [];
let received = 0;
let duplicates = 0;
let badSignatures = 0;
let firstMadeAt = Number.NaN;
let firstAt = Number.NaN;
let lastAt = Number.NaN;
let seen = new Set<string>();
/** One body as Parley sent it: the raw loop sends documents of its shape and size. */
let sample: string | undefined;

function verified(header: string | undefined, body: string, secret: string | undefined): boolean {
  if (!header || !secret) return false;
  const parts = header.split(',').map((p) => p.split('=') as [string, string]);
  const t = parts.find(([k]) => k === 't')?.[1];
  if (!t) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return parts.some(([k, v]) => {
    if (k !== 'v1') return false;
    const given = Buffer.from(v, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export function webhookReceiver(): Promise<{ port: number }> {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = req.headers['parley-signature'];
      if (!verified(Array.isArray(header) ? header[0] : header, body, secrets.get(req.url ?? ''))) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const at = nowMs();
      const key = `${req.url} ${String(req.headers['parley-event-id'])}`;
      if (seen.has(key)) duplicates++;
      seen.add(key);
      received++;
      const madeAt = Date.parse((JSON.parse(body) as { at: string }).at);
      latencies.push(at - madeAt);
      if (!(firstMadeAt <= madeAt)) firstMadeAt = madeAt;
      if (!(firstAt <= at)) firstAt = at;
      lastAt = at;
      sample ??= body;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return new Promise((resolve) =>
    server!.listen(0, '127.0.0.1', () => resolve({ port: (server!.address() as AddressInfo).port })),
  );
}

/** The secret each path's requests are signed with (`/hooks/3` → its endpoint's secret). */
export function webhookSecrets(args: { secrets: Record<string, string> }): null {
  secrets = new Map(Object.entries(args.secrets));
  return null;
}

export interface WebhookStats {
  received: number;
  duplicates: number;
  badSignatures: number;
  /** The earliest `at` of the documents received: the first commit (or the first POST made). */
  firstMadeAt: number;
  firstAt: number;
  lastAt: number;
  /** From the document's `at` to the receiver's 2xx. */
  latency: LatencySummary;
  sample: string | undefined;
}

export function webhookStats(args: { reset: boolean }): WebhookStats {
  const stats: WebhookStats = {
    received,
    duplicates,
    badSignatures,
    firstMadeAt,
    firstAt,
    lastAt,
    latency: summarize(latencies),
    sample,
  };
  if (args.reset) {
    latencies = [];
    received = duplicates = badSignatures = 0;
    firstMadeAt = firstAt = lastAt = Number.NaN;
    seen = new Set();
  }
  return stats;
}

/**
 * The baseline: one process POSTs `count` documents of Parley's shape (its `at` set as each is
 * made), signed with the path's secret, round-robin over the paths, `concurrency` at a time over
 * keep-alive connections (undici, as Parley's sender), each answered before that loop sends again.
 */
export async function signedPostLoop(args: {
  port: number;
  secrets: Record<string, string>;
  template: string;
  count: number;
  concurrency: number;
}): Promise<{ posted: number; errors: number; firstError?: string }> {
  const paths = Object.entries(args.secrets);
  const template = JSON.parse(args.template) as Record<string, unknown>;
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: args.concurrency }, async () => {
      while (next < args.count) {
        const i = next++;
        const [path, secret] = paths[i % paths.length]!;
        const now = new Date(nowMs());
        const body = JSON.stringify({ ...template, id: `raw-${i}`, at: now.toISOString() });
        const t = Math.floor(now.getTime() / 1000);
        const signature = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
        try {
          const res = await request(`http://127.0.0.1:${args.port}${path}`, {
            method: 'POST',
            body,
            headers: {
              'content-type': 'application/json',
              'user-agent': 'Parley-Webhooks',
              'parley-signature': `t=${t},v1=${signature}`,
              'parley-event-id': `raw-${i}`,
              'parley-delivery-id': `raw-${i}`,
            },
            dispatcher: agent,
          });
          await res.body.dump();
          if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`HTTP ${res.statusCode}`);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  await agent.close();
  return { posted: args.count, errors, firstError };
}

export async function stopWebhookReceiver(): Promise<null> {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  return null;
}
