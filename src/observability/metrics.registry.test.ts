import { ManualClock } from '../domain/clock';
import { createLogger } from './logger';
import { MAX_OPERATION_NAMES, ParleyMetrics } from './metrics.registry';

const operationSeries = async (metrics: ParleyMetrics) => {
  const [family] = (await metrics.registry.getMetricsAsJSON()).filter(
    (m) => m.name === 'parley_graphql_operation_duration_seconds',
  );
  return family!.values
    .filter((v) => 'metricName' in v && v.metricName === 'parley_graphql_operation_duration_seconds_count')
    .map((v) => ({
      name: String(v.labels.operation_name),
      type: String(v.labels.operation_type),
      count: v.value,
    }));
};

const fresh = () => {
  const clock = new ManualClock('2026-03-01T09:00:00.000Z');
  return { clock, metrics: new ParleyMetrics(clock, createLogger('silent')) };
};

describe('ParleyMetrics', () => {
  it('keeps operation names to a bounded set: unnamed share one label, names past the cap share another', async () => {
    const { metrics } = fresh();
    for (let i = 0; i < MAX_OPERATION_NAMES + 50; i++)
      metrics.observeOperation('query', `Op${i}`, 0.01, true);
    metrics.observeOperation('query', undefined, 0.01, true);
    metrics.observeOperation('query', null, 0.01, true);
    metrics.observeOperation('mutation', '', 0.01, true);
    // A name already known keeps its label after the cap is reached.
    metrics.observeOperation('query', 'Op0', 0.01, true);

    const series = await operationSeries(metrics);
    const names = new Set(series.map((s) => s.name));
    expect(names.size).toBe(MAX_OPERATION_NAMES + 2);
    expect(series).toContainEqual({ name: 'other', type: 'query', count: 50 });
    expect(series).toContainEqual({ name: 'anonymous', type: 'query', count: 2 });
    expect(series).toContainEqual({ name: 'anonymous', type: 'mutation', count: 1 });
    expect(series).toContainEqual({ name: 'Op0', type: 'query', count: 2 });
  });

  it('lets only authenticated callers add a name, but labels known names for anyone', async () => {
    const { metrics } = fresh();
    metrics.observeOperation('query', 'Probe', 0.01, false);
    metrics.observeOperation('query', 'Styles', 0.01, true);
    metrics.observeOperation('query', 'Styles', 0.01, false);
    const series = await operationSeries(metrics);
    expect(series).toContainEqual({ name: 'other', type: 'query', count: 1 });
    expect(series).toContainEqual({ name: 'Styles', type: 'query', count: 2 });
    expect(series.map((s) => s.name)).not.toContain('Probe');
  });

  it('computes the queue and stream-lag gauges at scrape time from the injected clock, and keeps answering when the database does not', async () => {
    const { clock, metrics } = fresh();
    let available = true;
    let undelivered: Date | null = new Date('2026-03-01T08:59:58.000Z');
    let figures: () => Promise<{ waiting: number; oldestWaitingSince: Date | null }> = async () => ({
      waiting: 3,
      oldestWaitingSince: new Date('2026-03-01T08:59:00.000Z'),
    });
    metrics.watch({
      webSocket: () => ({ connections: 2, subscriptions: 5 }),
      queue: () => figures(),
      undeliveredSince: async () => undelivered,
      databaseAvailable: () => available,
    });
    const text = await metrics.scrape();
    expect(text).toContain('parley_queue_waiting_tickets 3');
    expect(text).toContain('parley_queue_oldest_wait_seconds 60');
    expect(text).toContain('parley_event_stream_lag_seconds 2');
    expect(text).toContain('parley_websocket_connections 2');
    expect(text).toContain('parley_subscriptions 5');

    clock.advance(30);
    figures = () => Promise.reject(new Error('connection terminated'));
    const failed = await metrics.scrape();
    expect(failed).toContain('parley_queue_waiting_tickets 3');

    available = false;
    figures = () => {
      throw new Error('must not be asked while the database is away');
    };
    expect(await metrics.scrape()).toContain('parley_queue_oldest_wait_seconds 60');

    available = true;
    figures = async () => ({ waiting: 0, oldestWaitingSince: null });
    undelivered = null;
    const empty = await metrics.scrape();
    expect(empty).toContain('parley_queue_waiting_tickets 0');
    expect(empty).toContain('parley_queue_oldest_wait_seconds 0');
    expect(empty).toContain('parley_event_stream_lag_seconds 0');
  });
});
