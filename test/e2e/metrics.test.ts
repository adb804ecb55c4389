import type { Client } from 'graphql-ws';
import { createAgent, createChannel, receive } from '../support/fixtures';
import { parsePrometheusText, type MetricFamily, type Sample } from '../support/prometheus-text';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectWs, wsExecute } from '../support/ws-client';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789';

let t: TestApp;
let metricsUrl: string;
beforeAll(async () => {
  t = await startTestApp({ metricsToken: METRICS_TOKEN, scheduler: { processEveryMs: 200 } });
  metricsUrl = t.httpUrl.replace(/\/graphql$/, '/metrics');
});
afterAll(() => t.close());

const scrapeAs = (authorization?: string) =>
  fetch(metricsUrl, { headers: authorization === undefined ? {} : { authorization } });

async function scrape(): Promise<Map<string, MetricFamily>> {
  const res = await scrapeAs(`Bearer ${t.adminToken}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

const graphql = async (query: string, token = t.adminToken) => {
  const res = await fetch(t.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  expect(res.status).toBe(200);
  return res.json() as Promise<{ errors?: unknown[] }>;
};

function family(families: Map<string, MetricFamily>, name: string, type: string): MetricFamily {
  const f = families.get(name);
  if (!f) throw new Error(`no metric family ${name}`);
  expect(f.type).toBe(type);
  return f;
}

const sample = (f: MetricFamily, name: string, labels: Record<string, string> = {}): Sample | undefined =>
  f.samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels));

const gauge = (families: Map<string, MetricFamily>, name: string): number =>
  sample(family(families, name, 'gauge'), name)!.value;

/** Scrapes until `check` holds (gauges follow sockets that close asynchronously; jobs run on a timer). */
async function eventually(check: (families: Map<string, MetricFamily>) => boolean, timeoutMs = 5000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const families = await scrape();
    if (check(families)) return families;
    if (performance.now() > deadline) throw new Error('the metrics never matched');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every label set of a histogram's samples: the buckets carry `le` besides the family's labels. */
function expectHistogramLabels(f: MetricFamily, labelNames: readonly string[]): void {
  expect(f.samples.length).toBeGreaterThan(0);
  for (const s of f.samples) {
    const expected = s.name.endsWith('_bucket') ? [...labelNames, 'le'] : [...labelNames];
    expect(Object.keys(s.labels).sort()).toEqual(expected.sort());
  }
}

describe('GET /metrics', () => {
  it('answers 401 with no body to no token, a wrong token or another role’s token', async () => {
    // OFFLINE: an ONLINE agent would take the ticket the next test needs waiting.
    const agent = await createAgent(t, { status: 'OFFLINE' });
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789abcdef0123456789',
      `Bearer ${t.adminToken}x`,
      `Basic ${Buffer.from(`admin:${t.adminToken}`).toString('base64')}`,
      t.adminToken,
      `Bearer ${agent.token}`,
    ]) {
      const res = await scrapeAs(authorization);
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('');
    }
  });

  it('answers the admin token and PARLEY_METRICS_TOKEN', async () => {
    expect((await scrapeAs(`Bearer ${t.adminToken}`)).status).toBe(200);
    const res = await scrapeAs(`bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The metrics token is for /metrics only.
    const gql = await fetch(t.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${METRICS_TOKEN}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(gql.status).toBe(401);
  });

  it('reports operations by type and bounded name, routing runs, queue, jobs and default metrics', async () => {
    await graphql('query Styles { conversationStyles { kind } }');
    await graphql('query Styles { conversationStyles { id } }');
    // Two different unnamed operations: one series.
    await graphql('{ __typename }');
    await graphql('{ conversationStyles { name } }');
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    // A new ticket asks for a routing run; with nobody ONLINE it waits.
    await receive(t, channel, 'metrics-user', 'hello');
    t.clock.advance(90);

    // The sweep runs once at start, on Agenda's next poll.
    const families = await eventually((f) =>
      (f.get('parley_job_lateness_seconds')?.samples ?? []).some(
        (s) => s.name === 'parley_job_lateness_seconds_count' && s.labels.job === 'sweep' && s.value >= 1,
      ),
    );

    const operations = family(families, 'parley_graphql_operation_duration_seconds', 'histogram');
    expectHistogramLabels(operations, ['operation_type', 'operation_name']);
    const count = (labels: Record<string, string>) =>
      sample(operations, 'parley_graphql_operation_duration_seconds_count', labels)?.value;
    expect(count({ operation_type: 'query', operation_name: 'Styles' })).toBe(2);
    expect(count({ operation_type: 'query', operation_name: 'anonymous' })).toBe(2);
    expect(count({ operation_type: 'mutation', operation_name: 'CreateChannel' })).toBe(1);
    expect(count({ operation_type: 'mutation', operation_name: 'ReceiveMessage' })).toBe(1);
    const inf = sample(operations, 'parley_graphql_operation_duration_seconds_bucket', {
      le: '+Inf',
      operation_type: 'query',
      operation_name: 'Styles',
    });
    expect(inf?.value).toBe(2);

    const routing = family(families, 'parley_routing_run_duration_seconds', 'histogram');
    expectHistogramLabels(routing, []);
    expect(sample(routing, 'parley_routing_run_duration_seconds_count')!.value).toBeGreaterThanOrEqual(1);

    const lateness = family(families, 'parley_job_lateness_seconds', 'histogram');
    expectHistogramLabels(lateness, ['job']);

    expect(gauge(families, 'parley_queue_waiting_tickets')).toBe(1);
    // From the injected clock: the ticket has waited the 90 s the test moved it on.
    expect(gauge(families, 'parley_queue_oldest_wait_seconds')).toBe(90);
    expect(gauge(families, 'parley_websocket_connections')).toBe(0);
    expect(gauge(families, 'parley_subscriptions')).toBe(0);

    // prom-client's default process and Node metrics, collected into the app's own registry.
    family(families, 'process_cpu_user_seconds_total', 'counter');
    family(families, 'process_resident_memory_bytes', 'gauge');
    family(families, 'nodejs_eventloop_lag_seconds', 'gauge');
    family(families, 'nodejs_heap_size_used_bytes', 'gauge');
  });

  it('follows WebSocket connections and subscriptions as they open and close', async () => {
    const first = connectWs(t.wsUrl, `Bearer ${t.adminToken}`);
    const second = connectWs(t.wsUrl, `Bearer ${t.adminToken}`);
    await Promise.all([first.acknowledged, second.acknowledged]);
    try {
      await eventually(
        (f) => gauge(f, 'parley_websocket_connections') === 2 && gauge(f, 'parley_subscriptions') === 0,
      );
      const stopFirst = subscribe(first.client, 'subscription Queue { queueStats { waiting } }');
      const stopSecond = subscribe(second.client, 'subscription { queueStats { waiting } }');
      await Promise.all([stopFirst.started, stopSecond.started]);
      await eventually((f) => gauge(f, 'parley_subscriptions') === 2);
      // A query over the socket is an operation, not a subscription.
      expect((await wsExecute(first.client, 'query OverSocket { __typename }')).errors).toBeUndefined();

      stopFirst.stop();
      const afterComplete = await eventually((f) => gauge(f, 'parley_subscriptions') === 1);
      expect(gauge(afterComplete, 'parley_websocket_connections')).toBe(2);

      const operations = family(afterComplete, 'parley_graphql_operation_duration_seconds', 'histogram');
      const count = (labels: Record<string, string>) =>
        sample(operations, 'parley_graphql_operation_duration_seconds_count', labels)?.value;
      expect(count({ operation_type: 'subscription', operation_name: 'Queue' })).toBe(1);
      expect(count({ operation_type: 'subscription', operation_name: 'anonymous' })).toBe(1);
      expect(count({ operation_type: 'query', operation_name: 'OverSocket' })).toBe(1);

      // Closing the socket ends its subscription with it.
      await second.dispose();
      await eventually(
        (f) => gauge(f, 'parley_websocket_connections') === 1 && gauge(f, 'parley_subscriptions') === 0,
      );
    } finally {
      await first.dispose();
      await second.dispose();
    }
    await eventually((f) => gauge(f, 'parley_websocket_connections') === 0);
  });
});

/** A subscription by its text; `started` resolves on its first frame. */
function subscribe(client: Client, query: string): { started: Promise<void>; stop: () => void } {
  let first!: () => void;
  const started = new Promise<void>((resolve) => (first = resolve));
  const stop = client.subscribe(
    { query },
    { next: () => first(), error: (err) => console.error(err), complete: () => undefined },
  );
  return { started, stop };
}
