import pg from 'pg';
import {
  PresenceTicketDocument,
  SetAgentStatusDocument,
  UpdatePresenceSettingsDocument,
  UpdateTicketStatusDocument,
  type AgentStatus,
  type TicketPriority,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * docs/domain.md "Presence": an agent OFFLINE for reassignAfterOfflineSeconds has its OPEN, PENDING
 * and ON_HOLD tickets returned to the queue (NEW, nobody's), keeping their priority and their
 * original waiting time; exactly once across processes and restarts (a job plus the sweep).
 */
let a: TestApp;
let b: TestApp;
let db: pg.Client;
let seq = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;
// Due jobs run within 100 ms; the periodic sweep stays out (the tests call its methods).
const scheduler = { processEveryMs: 100, sweepEveryMs: 3_600_000 };
const limits = { rateLimits: { messages: null, mutations: null } };

beforeAll(async () => {
  a = await startTestApp({ scheduler, limits });
  b = await startTestApp({ db: a.db, clock: a.clock, scheduler, limits });
  db = new pg.Client({ connectionString: a.db.url });
  await db.connect();
  await a.client.ok(
    UpdatePresenceSettingsDocument,
    { input: { reassignAfterOfflineSeconds: 3_600 } },
    a.adminToken,
  );
});
afterAll(async () => {
  await db.end();
  await b.close();
  await a.close();
});

type Person = { id: string; token: string };

/** A channel needing a skill only this test's agent has, so nobody else is routed its tickets. */
async function desk() {
  const skill = unique('offline-skill');
  const channel = await createChannel(a, 'SOCIAL_MESSAGING', { requiredSkills: [skill] });
  const agent = await createAgent(a, { skills: [skill], capacity: 10 });
  return { channel, agent, skill };
}

/** A ticket of `priority` on `channel`, given to `agent` by an admin, then put in `status`. */
async function heldBy(
  channel: Person,
  agent: Person,
  priority: TicketPriority,
  status: 'OPEN' | 'PENDING' | 'ON_HOLD' | 'SOLVED',
): Promise<string> {
  const received = await receive(a, channel, unique('customer'), 'Hello?', { priority });
  await assign(a, received.ticket.id, agent.id);
  if (status !== 'OPEN') {
    await a.client.ok(UpdateTicketStatusDocument, { ticketId: received.ticket.id, status }, agent.token);
  }
  return received.ticket.id;
}

const setStatus = (agent: Person, status: AgentStatus) =>
  a.client.ok(SetAgentStatusDocument, { status }, agent.token);
const ticket = async (id: string) =>
  (await a.client.ok(PresenceTicketDocument, { id }, a.adminToken)).ticket!;
const waitingSince = async (id: string) =>
  (await db.query<{ w: Date }>('select waiting_since as w from tickets where id = $1', [id])).rows[0]!.w;
/** The ticket's returns: ASSIGNED to nobody by the system. */
const returns = async (id: string) =>
  (
    await db.query(
      `select actor_type from ticket_events
        where ticket_id = $1 and kind = 'ASSIGNED' and agent_id is null order by id`,
      [id],
    )
  ).rows;

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('OPEN, PENDING and ON_HOLD tickets return NEW, keeping priority and waiting time; SOLVED stays; exactly once across processes', async () => {
  const { channel, agent } = await desk();
  const held = {
    open: await heldBy(channel, agent, 'HIGH', 'OPEN'),
    pending: await heldBy(channel, agent, 'LOW', 'PENDING'),
    onHold: await heldBy(channel, agent, 'URGENT', 'ON_HOLD'),
  };
  const solved = await heldBy(channel, agent, 'NORMAL', 'SOLVED');
  const waited = new Map<string, Date>();
  for (const id of Object.values(held)) waited.set(id, await waitingSince(id));

  await setStatus(agent, 'OFFLINE');
  a.clock.advance(3_599);
  expect(await a.app.services.presence.returnOverdue()).toBe(0);
  expect(await b.app.services.presence.returnTicketsIfDue(agent.id)).toBe(0);
  expect((await ticket(held.open)).assignee?.id).toBe(agent.id);

  a.clock.advance(1);
  // Both processes' jobs and sweeps at once: the agent's row lock lets one of them return the tickets.
  const [jobA, jobB, sweepA, sweepB] = await Promise.all([
    a.app.services.presence.returnTicketsIfDue(agent.id),
    b.app.services.presence.returnTicketsIfDue(agent.id),
    a.app.services.presence.returnOverdue(),
    b.app.services.presence.returnOverdue(),
  ]);
  expect(jobA + jobB).toBeLessThanOrEqual(3);
  expect([jobA, jobB].filter((n) => n === 3).length + sweepA + sweepB).toBe(1);

  for (const [id, priority] of [
    [held.open, 'HIGH'],
    [held.pending, 'LOW'],
    [held.onHold, 'URGENT'],
  ] as const) {
    // Nobody else has the skill: the ticket waits in the queue.
    expect(await ticket(id)).toMatchObject({ status: 'NEW', priority, assignee: null, offeredTo: null });
    expect(await waitingSince(id)).toEqual(waited.get(id));
    expect(await returns(id)).toEqual([{ actor_type: 'SYSTEM' }]);
  }
  expect(await ticket(solved)).toMatchObject({ status: 'SOLVED', assignee: { id: agent.id } });

  // Later runs find nothing to return.
  a.clock.advance(3_600);
  expect(await a.app.services.presence.returnOverdue()).toBe(0);
  expect(await b.app.services.presence.returnTicketsIfDue(agent.id)).toBe(0);
  for (const id of Object.values(held)) expect(await returns(id)).toHaveLength(1);
});

it('coming back ONLINE and going OFFLINE again restarts the wait', async () => {
  const { channel, agent } = await desk();
  const id = await heldBy(channel, agent, 'NORMAL', 'PENDING');
  await setStatus(agent, 'OFFLINE');
  a.clock.advance(3_000);
  await setStatus(agent, 'ONLINE');
  await setStatus(agent, 'OFFLINE');
  a.clock.advance(3_000);
  expect(await a.app.services.presence.returnOverdue()).toBe(0);
  expect((await ticket(id)).assignee?.id).toBe(agent.id);
  a.clock.advance(600);
  expect(await a.app.services.presence.returnOverdue()).toBe(1);
  expect(await ticket(id)).toMatchObject({ status: 'NEW', assignee: null });
});

it('AWAY is not OFFLINE: an AWAY agent keeps its tickets', async () => {
  const { channel, agent } = await desk();
  const id = await heldBy(channel, agent, 'NORMAL', 'OPEN');
  await setStatus(agent, 'AWAY');
  a.clock.advance(86_400);
  expect(await a.app.services.presence.returnOverdue()).toBe(0);
  expect((await ticket(id)).assignee?.id).toBe(agent.id);
});

it('a returned ticket is routed to an agent with room, the most urgent first', async () => {
  const { channel, agent, skill } = await desk();
  const low = await heldBy(channel, agent, 'LOW', 'OPEN');
  const urgent = await heldBy(channel, agent, 'URGENT', 'ON_HOLD');
  await setStatus(agent, 'OFFLINE');
  const colleague = await createAgent(a, { skills: [skill], capacity: 1, status: 'OFFLINE' });
  a.clock.advance(3_600);
  expect(await a.app.services.presence.returnTicketsIfDue(agent.id)).toBe(2);
  await setStatus(colleague, 'ONLINE');
  expect((await ticket(urgent)).offeredTo?.id).toBe(colleague.id);
  expect(await ticket(low)).toMatchObject({ status: 'NEW', offeredTo: null });
});

it('the scheduled job returns them at the due time', async () => {
  await a.client.ok(
    UpdatePresenceSettingsDocument,
    { input: { reassignAfterOfflineSeconds: 1 } },
    a.adminToken,
  );
  try {
    const { channel, agent } = await desk();
    const id = await heldBy(channel, agent, 'NORMAL', 'OPEN');
    await setStatus(agent, 'OFFLINE');
    // The job waits the same second of wall time; by then the services' clock says it is due.
    a.clock.advance(1);
    await eventually('the job returned the ticket', async () => (await ticket(id)).status === 'NEW');
    expect(await returns(id)).toHaveLength(1);
  } finally {
    await a.client.ok(
      UpdatePresenceSettingsDocument,
      { input: { reassignAfterOfflineSeconds: 3_600 } },
      a.adminToken,
    );
  }
});

it('a lost job is caught by the sweep a restarted process runs at once', async () => {
  const { channel, agent } = await desk();
  const id = await heldBy(channel, agent, 'HIGH', 'OPEN');
  const waited = await waitingSince(id);
  await setStatus(agent, 'OFFLINE');
  // The job is gone (as if the scheduler's store lost it) and the process that would sweep stops.
  await db.query(`delete from agenda_jobs where name = 'reassign-offline'`);
  await b.close();
  a.clock.advance(7_200);
  b = await startTestApp({ db: a.db, clock: a.clock, scheduler, limits });
  await eventually('the restarted process swept', async () => (await ticket(id)).status === 'NEW');
  expect(await ticket(id)).toMatchObject({ priority: 'HIGH', assignee: null });
  expect(await waitingSince(id)).toEqual(waited);
  expect(await returns(id)).toHaveLength(1);
});
