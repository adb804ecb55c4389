import pg from 'pg';
import {
  AgentChangedDocument,
  AgentDocument,
  PresenceSettingsDocument,
  SetAgentStatusDocument,
  SetAgentStatusOfDocument,
  UpdatePresenceSettingsDocument,
  type RoutingSettingsInput,
} from '../generated/operations';
import { createAgent } from '../support/fixtures';
import { refusalCheck } from '../support/refusals';
import { ADMIN_TOKEN, gql, killServers, startServer, type ServerProcess } from '../support/server-process';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { connectWs, subscribeLive, type WsConnection } from '../support/ws-client';

/**
 * docs/domain.md "Presence": an ONLINE agent whose last authenticated WebSocket closes, on any
 * process, and none reopens within awayAfterDisconnectSeconds goes AWAY; a reconnect in time changes
 * nothing. Three server instances on one database and one clock; the agent's sockets on two of them.
 */
let a: TestApp;
let b: TestApp;
let c: TestApp;
let db: pg.Client;
const open: WsConnection[] = [];

beforeAll(async () => {
  // Due jobs run within 100 ms; the periodic sweep stays out (the tests call its methods).
  const scheduler = { processEveryMs: 100, sweepEveryMs: 3_600_000 };
  const limits = { rateLimits: { messages: null, mutations: null } };
  a = await startTestApp({ scheduler, limits });
  b = await startTestApp({ db: a.db, clock: a.clock, scheduler, limits });
  c = await startTestApp({ db: a.db, clock: a.clock, scheduler, limits });
  db = new pg.Client({ connectionString: a.db.url });
  await db.connect();
});
/** Agents a test made ONLINE: OFFLINE after it, so no later test's sweep finds them overdue. */
const created: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((ws) => ws.dispose()));
  await eventually('every socket is taken off', async () => {
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from agent_connections');
    return rows[0]!.n === 0;
  });
  for (const agentId of created.splice(0)) {
    await a.client.ok(SetAgentStatusOfDocument, { agentId, status: 'OFFLINE' }, a.adminToken);
  }
});
afterAll(async () => {
  await db.end();
  await c.close();
  await b.close();
  await a.close();
});

async function onlineAgent() {
  const agent = await createAgent(a);
  created.push(agent.id);
  return agent;
}

const settings = (input: RoutingSettingsInput) =>
  a.client.ok(UpdatePresenceSettingsDocument, { input }, a.adminToken);

async function connect(t: TestApp, token: string): Promise<WsConnection> {
  const ws = connectWs(t.wsUrl, `Bearer ${token}`);
  open.push(ws);
  await ws.acknowledged;
  return ws;
}

async function disconnect(ws: WsConnection): Promise<void> {
  open.splice(open.indexOf(ws), 1);
  await ws.dispose();
}

const statusOf = async (agentId: string) =>
  (await c.client.ok(AgentDocument, { id: agentId }, c.adminToken)).agent!.status;

/** The agent's sockets as every process sees them: per process, from the database. */
const socketsOf = async (agentId: string) =>
  (
    await db.query<{ sockets: number }>(
      'select sockets from agent_connections where agent_id = $1 order by process_id',
      [agentId],
    )
  ).rows.map((r) => r.sockets);

const disconnectedAt = async (agentId: string) =>
  (
    await db.query<{ at: Date }>('select disconnected_at as at from agent_disconnects where agent_id = $1', [
      agentId,
    ])
  ).rows[0]?.at ?? null;

/** Polls until `check` holds: the server records a close after the client has let go. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const allSweeps = () =>
  Promise.all([a, b, c].map((t) => t.app.services.presence.awayOverdue())).then((n) =>
    n.reduce((x, y) => x + y),
  );

describe('the settings', () => {
  it('are null (never) until set; null sets never again; an omitted one keeps its value', async () => {
    const { routingSettings } = await a.client.ok(PresenceSettingsDocument, {}, a.adminToken);
    expect(routingSettings).toEqual({
      awayAfterDisconnectSeconds: null,
      reassignAfterOfflineSeconds: null,
      skillsTimeoutSeconds: null,
    });
    expect(
      (
        await settings({
          awayAfterDisconnectSeconds: 0,
          reassignAfterOfflineSeconds: 2_592_000,
          skillsTimeoutSeconds: 90,
        })
      ).updateRoutingSettings,
    ).toMatchObject({
      awayAfterDisconnectSeconds: 0,
      reassignAfterOfflineSeconds: 2_592_000,
      skillsTimeoutSeconds: 90,
    });
    expect((await settings({ awayAfterDisconnectSeconds: null })).updateRoutingSettings).toMatchObject({
      awayAfterDisconnectSeconds: null,
      reassignAfterOfflineSeconds: 2_592_000,
      skillsTimeoutSeconds: 90,
    });
    await settings({ reassignAfterOfflineSeconds: null, skillsTimeoutSeconds: null });
  });

  const expectRefused = refusalCheck(() => a);
  it.each([
    ['awayAfterDisconnectSeconds', -1],
    ['reassignAfterOfflineSeconds', -30],
    ['skillsTimeoutSeconds', 2_592_001],
  ])('%s = %p is BAD_USER_INPUT naming the field, and changes nothing', async (field, value) => {
    const message = await expectRefused(
      () => a.client.execute(UpdatePresenceSettingsDocument, { input: { [field]: value } }, a.adminToken),
      'BAD_USER_INPUT',
      `input.${field}`,
    );
    expect(message).toContain(`input.${field}`);
  });

  it("are an admin's: an agent is FORBIDDEN", async () => {
    const agent = await createAgent(a, { status: 'OFFLINE' });
    await expectRefused(
      () =>
        a.client.execute(
          UpdatePresenceSettingsDocument,
          { input: { awayAfterDisconnectSeconds: 5 } },
          agent.token,
        ),
      'FORBIDDEN',
    );
  });
});

describe('AWAY after the last socket closes', () => {
  beforeEach(() => settings({ awayAfterDisconnectSeconds: 60 }));

  it('sockets on two processes: one closing changes nothing; both closed and none back within the window → AWAY, once', async () => {
    const agent = await onlineAgent();
    const admin = connectWs(c.wsUrl, `Bearer ${c.adminToken}`);
    open.push(admin);
    await admin.acknowledged;
    const agentChanges = {
      settle: () => c.app.services.events.settle(),
      subscriberCount: () => c.app.services.agentChanges.subscriberCount(),
    };
    const changed = await subscribeLive(agentChanges, admin.client, AgentChangedDocument, {
      agentId: agent.id,
    });

    const onA = await connect(a, agent.token);
    const onB = await connect(b, agent.token);
    const onB2 = await connect(b, agent.token);
    expect((await socketsOf(agent.id)).sort()).toEqual([1, 2]);

    await disconnect(onA);
    await eventually('A counts no socket', async () => (await socketsOf(agent.id)).join() === '2');
    a.clock.advance(600);
    expect(await allSweeps()).toBe(0);
    expect(await disconnectedAt(agent.id)).toBeNull();

    await disconnect(onB);
    await disconnect(onB2);
    const closedAt = a.clock.now();
    await eventually(
      'the last disconnect is recorded',
      async () => (await disconnectedAt(agent.id)) !== null,
    );
    expect(await disconnectedAt(agent.id)).toEqual(closedAt);
    expect(await socketsOf(agent.id)).toEqual([]);
    expect(await statusOf(agent.id)).toBe('ONLINE');

    a.clock.advance(59);
    expect(await allSweeps()).toBe(0);
    expect(await c.app.services.presence.awayIfDue(agent.id)).toBe(false);
    expect(await statusOf(agent.id)).toBe('ONLINE');

    a.clock.advance(1);
    // Every process's job and sweep at once: one of them sets AWAY, the rest find nothing to do.
    const results = await Promise.all([
      ...[a, b, c].map((t) => t.app.services.presence.awayIfDue(agent.id)),
      ...[a, b, c].map((t) => t.app.services.presence.awayOverdue()),
    ]);
    expect(results.filter((r) => r === true || r === 1)).toHaveLength(1);
    expect(await statusOf(agent.id)).toBe('AWAY');
    const frames = await changed.waitFor(1);
    expect(frames.map((f) => f.agentChanged.status)).toEqual(['AWAY']);
    expect(await allSweeps()).toBe(0);
  });

  it('a reconnect within the window, on another process, changes nothing, however late the check', async () => {
    const agent = await onlineAgent();
    const first = await connect(a, agent.token);
    await disconnect(first);
    await eventually('the disconnect is recorded', async () => (await disconnectedAt(agent.id)) !== null);
    a.clock.advance(45);
    await connect(c, agent.token);
    a.clock.advance(3_600);
    expect(await allSweeps()).toBe(0);
    expect(await b.app.services.presence.awayIfDue(agent.id)).toBe(false);
    expect(await statusOf(agent.id)).toBe('ONLINE');
  });

  it('the scheduled job sets AWAY at the due time', async () => {
    await settings({ awayAfterDisconnectSeconds: 1 });
    const agent = await onlineAgent();
    const ws = await connect(b, agent.token);
    await disconnect(ws);
    await eventually('the disconnect is recorded', async () => (await disconnectedAt(agent.id)) !== null);
    // The job waits the same second of wall time; by then the services' clock says it is due.
    a.clock.advance(1);
    await eventually('the job set the agent AWAY', async () => (await statusOf(agent.id)) === 'AWAY');
  });

  it('an agent that never had a socket, or with the setting null, stays ONLINE', async () => {
    const neverConnected = await onlineAgent();
    a.clock.advance(86_400);
    expect(await allSweeps()).toBe(0);
    expect(await statusOf(neverConnected.id)).toBe('ONLINE');

    await settings({ awayAfterDisconnectSeconds: null });
    const agent = await onlineAgent();
    await disconnect(await connect(a, agent.token));
    await eventually('the disconnect is recorded', async () => (await disconnectedAt(agent.id)) !== null);
    a.clock.advance(86_400);
    expect(await allSweeps()).toBe(0);
    expect(await statusOf(agent.id)).toBe('ONLINE');
  });

  it('going ONLINE again with no socket open gets the whole window from then', async () => {
    const agent = await onlineAgent();
    await disconnect(await connect(a, agent.token));
    await eventually('the disconnect is recorded', async () => (await disconnectedAt(agent.id)) !== null);
    await a.client.ok(SetAgentStatusDocument, { status: 'AWAY' }, agent.token);
    a.clock.advance(3_600);
    await a.client.ok(SetAgentStatusDocument, { status: 'ONLINE' }, agent.token);
    a.clock.advance(59);
    expect(await allSweeps()).toBe(0);
    a.clock.advance(1);
    expect(await allSweeps()).toBe(1);
    expect(await statusOf(agent.id)).toBe('AWAY');
  });
});

/**
 * Real processes, killed: a process's sockets count while its heartbeat is fresh, and stop counting
 * once it is stale, so its agents go AWAY (the window then runs from when the others noticed).
 */
describe('a process killed with its sockets', () => {
  let testDb: TestDatabase;
  let servers: ServerProcess[];
  const env = { PARLEY_PRESENCE_HEARTBEAT_MS: '200', PARLEY_PRESENCE_STALE_AFTER_MS: '1000' };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    servers = [await startServer(testDb.url, env)];
    servers.push(await startServer(testDb.url, env));
  }, 60_000);
  afterAll(async () => {
    await killServers();
    await testDb.drop();
  });

  it('its connections stop counting: the agent goes AWAY', async () => {
    const [doomed, survivor] = servers as [ServerProcess, ServerProcess];
    await gql(
      survivor.url,
      ADMIN_TOKEN,
      'mutation { updateRoutingSettings(input: { awayAfterDisconnectSeconds: 1 }) { id } }',
    );
    const { createAgent: created } = await gql<{ createAgent: { token: string; agent: { id: string } } }>(
      survivor.url,
      ADMIN_TOKEN,
      'mutation { createAgent(input: { name: "Doomed", email: "doomed@example.com" }) { token agent { id } } }',
    );
    const agentId = created.agent.id;
    await gql(survivor.url, created.token, 'mutation { setAgentStatus(status: ONLINE) { id } }');
    const ws = connectWs(doomed.url.replace(/^http/, 'ws'), `Bearer ${created.token}`);
    open.push(ws);
    await ws.acknowledged;

    const client = new pg.Client({ connectionString: testDb.url });
    await client.connect();
    try {
      const heartbeatOf = async () =>
        (
          await client.query<{ at: Date }>(
            `select p.heartbeat_at as at from presence_processes p
               join agent_connections c on c.process_id = p.id where c.agent_id = $1`,
            [agentId],
          )
        ).rows[0]?.at ?? null;
      // Alive: its heartbeat moves on and its socket keeps counting, past the stale time.
      const first = await heartbeatOf();
      expect(first).not.toBeNull();
      await eventually('the heartbeat moves on twice past the stale time', async () => {
        const now = await heartbeatOf();
        return now !== null && now.getTime() - first!.getTime() > 2_000;
      });
      const status = async () =>
        (
          await gql<{ agent: { status: string } }>(
            survivor.url,
            ADMIN_TOKEN,
            `{ agent(id: "${agentId}") { status } }`,
          )
        ).agent.status;
      expect(await status()).toBe('ONLINE');

      doomed.child.kill('SIGKILL');
      await eventually('the agent is AWAY', async () => (await status()) === 'AWAY', 30_000);
      expect(
        (await client.query('select 1 from agent_connections where agent_id = $1', [agentId])).rowCount,
      ).toBe(0);
    } finally {
      await client.end();
    }
  }, 60_000);
});
