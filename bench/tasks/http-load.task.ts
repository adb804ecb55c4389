import autocannon from 'autocannon';
import { summarize, type LatencySummary } from '../lib/stats';

/** What each request carries. Built in the load process, so the generator pays for it, not Parley. */
export type RequestPlan =
  | { kind: 'static'; body: string }
  | {
      /** receiveMessage for one of `users`; each connection keeps to its own users so no two requests wait on one end user. */
      kind: 'receiveMessage';
      channelId: string;
      users: string[];
      query: string;
      runId: string;
    };

export interface HttpLoadArgs {
  url: string;
  headers: Record<string, string>;
  connections: number;
  /** Measured seconds; ignored when `amount` is set. */
  durationSeconds: number;
  /** Run this many requests in all, then stop. */
  amount?: number;
  plan: RequestPlan;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError?: string;
  elapsedSeconds: number;
  throughput: number;
  latency: LatencySummary;
}

interface ConnectionContext {
  slot?: number;
  turn?: number;
}

export async function httpLoad(args: HttpLoadArgs): Promise<LoadResult> {
  const plan = args.plan;
  let slots = 0;
  let counter = 0;
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];

  const body = (context: ConnectionContext): string => {
    if (plan.kind === 'static') return plan.body;
    context.slot ??= slots++;
    const turn = (context.turn = (context.turn ?? -1) + 1);
    const mine = Math.max(1, Math.floor(plan.users.length / args.connections));
    const user =
      args.amount !== undefined
        ? plan.users[counter % plan.users.length]!
        : plan.users[(context.slot * mine + (turn % mine)) % plan.users.length]!;
    counter++;
    return JSON.stringify({
      query: plan.query,
      variables: {
        input: {
          channelId: plan.channelId,
          externalUserId: user,
          body: `bench message ${counter}`,
          externalMessageId: `${plan.runId}-${counter}`,
        },
      },
    });
  };

  const started = performance.now();
  let done!: (result: autocannon.Result) => void;
  let failed!: (err: Error) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const instance = autocannon(
    {
      url: args.url,
      connections: args.connections,
      pipelining: 1,
      ...(args.amount !== undefined ? { amount: args.amount } : { duration: args.durationSeconds }),
      timeout: 30,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...args.headers },
          setupRequest: (req, context) => ({ ...req, body: body(context as ConnectionContext) }),
          onResponse: (status, responseBody) => {
            if (status !== 200 || responseBody.includes('"errors"')) {
              errors++;
              firstError ??= `${status} ${responseBody.slice(0, 300)}`;
            }
          },
        },
      ],
    },
    (err, result) => (err ? failed(err) : done(result)),
  );
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await finished;
  const elapsedSeconds = (performance.now() - started) / 1000;
  const requests = latencies.length;
  errors += result.errors + result.timeouts;
  return {
    requests,
    errors,
    firstError,
    elapsedSeconds,
    throughput: requests / elapsedSeconds,
    latency: summarize(latencies),
  };
}
