import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { summarize, type LatencySummary } from '../lib/stats';

/**
 * P4's agents: each agent listens to its own `assignments` and solves a ticket as soon as it is
 * assigned (accepting first if it was only offered), which frees the capacity for the next one.
 */

interface AgentCredentials {
  id: string;
  token: string;
}

export interface AgentsArgs {
  httpUrl: string;
  wsUrl: string;
  agents: AgentCredentials[];
  /** Requests in flight at once across all agents, like the arrivals' client count. */
  concurrency: number;
}

const ASSIGNMENTS = `subscription($agentId: ID!) {
  assignments(agentId: $agentId) { kind ticket { id status assignee { id } offeredTo { id } } }
}`;
const SOLVE = `mutation($id: ID!) { updateTicketStatus(ticketId: $id, status: SOLVED) { id status } }`;
const ACCEPT = `mutation($id: ID!) { acceptTicket(ticketId: $id) { id status } }`;

interface Change {
  kind: string;
  ticket: { id: string; status: string; assignee: { id: string } | null; offeredTo: { id: string } | null };
}

const clients: Client[] = [];
let solved = 0;
let errors = 0;
let firstError: string | undefined;

function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export async function startAgents(args: AgentsArgs): Promise<{ agents: number }> {
  const limit = limiter(args.concurrency);
  const post = (token: string, query: string, id: string): Promise<void> =>
    limit(async () => {
      const res = await fetch(args.httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables: { id } }),
      });
      const text = await res.text();
      if (res.status !== 200 || text.includes('"errors"'))
        throw new Error(`${res.status} ${text.slice(0, 300)}`);
    });
  const fail = (err: unknown): void => {
    errors++;
    firstError ??= err instanceof Error ? err.message : JSON.stringify(err);
  };

  for (const agent of args.agents) {
    const client = await new Promise<Client>((resolve, reject) => {
      const c = createClient({
        url: args.wsUrl,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${agent.token}` },
        on: { connected: () => resolve(c) },
        onNonLazyError: reject,
      });
    });
    clients.push(client);
    client.subscribe<{ assignments: Change }>(
      { query: ASSIGNMENTS, variables: { agentId: agent.id } },
      {
        next: ({ data, errors: errs }) => {
          if (errs) return fail(errs);
          const change = data!.assignments;
          const { ticket } = change;
          if (change.kind === 'OFFERED' && ticket.offeredTo?.id === agent.id) {
            post(agent.token, ACCEPT, ticket.id).catch(fail);
          } else if (
            change.kind === 'ASSIGNED' &&
            ticket.status === 'OPEN' &&
            ticket.assignee?.id === agent.id
          ) {
            post(agent.token, SOLVE, ticket.id).then(() => solved++, fail);
          }
        },
        error: fail,
        complete: () => undefined,
      },
    );
  }
  return { agents: clients.length };
}

export function agentsStats(): { solved: number; errors: number; firstError?: string } {
  return { solved, errors, firstError };
}

export async function stopAgents(): Promise<null> {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  return null;
}

export interface RouteBaselineArgs {
  databaseUrl: string;
  concurrency: number;
  tickets: number;
  capacities: number[];
}

export interface RouteBaselineResult {
  assignments: number;
  elapsedSeconds: number;
  throughput: number;
  /** Duration of each claim transaction. */
  decision: LatencySummary;
  overCapacity: number;
}

/**
 * P4's baseline in raw SQL at the same concurrency: every ticket arrives (INSERT), is claimed with
 * the oldest waiting ticket and a least-loaded agent with room both taken FOR UPDATE SKIP LOCKED
 * and the agent's load raised, then solved (load lowered), each its own transaction.
 */
export async function routeBaseline(args: RouteBaselineArgs): Promise<RouteBaselineResult> {
  const setup = new pg.Client({ connectionString: args.databaseUrl });
  await setup.connect();
  await setup.query(`
    drop table if exists bench_route_tickets; drop table if exists bench_route_agents;
    create table bench_route_agents (id int primary key, capacity int not null, load int not null default 0,
      check (load between 0 and capacity));
    create table bench_route_tickets (id bigserial primary key, status text not null, agent_id int null,
      created_at timestamptz not null default clock_timestamp());
    create index bench_route_queue on bench_route_tickets (created_at) where status = 'NEW';`);
  await setup.query(
    `insert into bench_route_agents (id, capacity) select i, (array[${args.capacities.join(',')}])[i]
       from generate_series(1, ${args.capacities.length}) i`,
  );

  const clients = await Promise.all(
    Array.from({ length: args.concurrency }, async () => {
      const c = new pg.Client({ connectionString: args.databaseUrl });
      await c.connect();
      return c;
    }),
  );
  const decisions: number[] = [];
  let remaining = args.tickets;
  let assigned = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (remaining > 0) {
        remaining--;
        await c.query(`insert into bench_route_tickets (status) values ('NEW')`);
        for (;;) {
          const t0 = performance.now();
          await c.query('begin');
          const ticket = await c.query<{ id: string }>(
            `select id from bench_route_tickets where status = 'NEW' order by created_at limit 1 for update skip locked`,
          );
          const agent = ticket.rowCount
            ? await c.query<{ id: number }>(
                `select id from bench_route_agents where load < capacity order by load, id limit 1 for update skip locked`,
              )
            : undefined;
          if (!ticket.rowCount || !agent?.rowCount) {
            await c.query('rollback');
            if (!ticket.rowCount) break;
            continue;
          }
          const ticketId = ticket.rows[0]!.id;
          const agentId = agent.rows[0]!.id;
          await c.query(`update bench_route_tickets set status = 'OPEN', agent_id = $2 where id = $1`, [
            ticketId,
            agentId,
          ]);
          await c.query(`update bench_route_agents set load = load + 1 where id = $1`, [agentId]);
          await c.query('commit');
          decisions.push(performance.now() - t0);
          assigned++;
          await c.query('begin');
          await c.query(`update bench_route_tickets set status = 'CLOSED' where id = $1`, [ticketId]);
          await c.query(`update bench_route_agents set load = load - 1 where id = $1`, [agentId]);
          await c.query('commit');
          break;
        }
      }
    }),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  const over = await setup.query<{ n: string }>(
    `select count(*) n from bench_route_agents where load > capacity`,
  );
  await setup.query(`drop table bench_route_tickets; drop table bench_route_agents;`);
  await Promise.all([...clients, setup].map((c) => c.end()));
  return {
    assignments: assigned,
    elapsedSeconds,
    throughput: assigned / elapsedSeconds,
    decision: summarize(decisions),
    overCapacity: Number(over.rows[0]!.n),
  };
}
