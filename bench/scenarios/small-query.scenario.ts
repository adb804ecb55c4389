import { ratioRow, type Scenario } from '../lib/scenario';

const CONNECTIONS = 10;
const SECONDS = 8;
const QUERY = '{ conversationStyles { id name kind closeAfterSolvedSeconds } }';

export const smallQuery: Scenario = {
  id: 'P2',
  title:
    'A small query (`conversationStyles`) over HTTP vs a bare `node:http` server returning the same JSON',
  async run(ctx) {
    const body = JSON.stringify({ query: QUERY });
    const answer = await ctx.gql.raw(ctx.parley.adminToken, QUERY);
    const load = ctx.worker('p2 load');
    const bare = ctx.worker('p2 bare server');
    const { port } = await bare.call('bareHttpServer', { body: answer });

    const run = (url: string) =>
      load.call('httpLoad', {
        url,
        headers: { authorization: `Bearer ${ctx.parley.adminToken}` },
        connections: CONNECTIONS,
        durationSeconds: SECONDS,
        plan: { kind: 'static', body },
      });
    const warm = (url: string) =>
      load.call('httpLoad', {
        url,
        headers: { authorization: `Bearer ${ctx.parley.adminToken}` },
        connections: CONNECTIONS,
        durationSeconds: 2,
        plan: { kind: 'static', body },
      });
    await warm(ctx.parley.httpUrl);
    const parley = await ctx.measureCpu(() => run(ctx.parley.httpUrl));
    if (parley.result.errors > 0) throw new Error(`P2 errors: ${parley.result.firstError}`);
    const bareUrl = `http://127.0.0.1:${port}/graphql`;
    await warm(bareUrl);
    const baseline = await ctx.measureCpu(() => run(bareUrl), [bare.pid]);
    ctx.log(
      `P2: ${parley.result.throughput.toFixed(0)} req/s vs ${baseline.result.throughput.toFixed(0)} req/s`,
    );
    return {
      id: this.id,
      title: this.title,
      rows: [
        ratioRow(
          `${CONNECTIONS} connections`,
          { value: parley.result.throughput, unit: 'req/s', latency: parley.result.latency, cpu: parley.cpu },
          {
            value: baseline.result.throughput,
            unit: 'req/s',
            latency: baseline.result.latency,
            cpu: baseline.cpu,
          },
          0.55,
        ),
      ],
      notes: [
        `autocannon in its own process, ${CONNECTIONS} keep-alive connections, ${SECONDS} s after a 2 s warm-up; admin bearer token; ${answer.length}-byte answer.`,
        'Parley runs the whole production path: auth (token hash lookup), Apollo, type-graphql, MikroORM read, operation log line. The baseline reads the request body and writes the same bytes back. Its CPU share counts the bare server as "Parley".',
      ],
    };
  },
};
