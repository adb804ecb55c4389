import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import pg2 from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { createLogger } from '../../src/observability/logger';
import { AgentsDocument, CreateAgentDocument } from '../generated/operations';
import { GraphQLClient } from '../support/graphql-client';
import { TEST_ADMIN_TOKEN } from '../support/test-app';

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-restart-'));
  fs.chmodSync(dir, 0o755);
  return dir;
}

describe('the server on its own embedded PostgreSQL data dir', () => {
  it('keeps its data across a stop and a start through createApp', async () => {
    const dataDir = tempDataDir();
    const boot = async () => {
      const pg = await startEmbeddedPostgres({ dataDir });
      const app = await createApp({
        databaseUrl: pg.url,
        adminToken: TEST_ADMIN_TOKEN,
        nodeEnv: 'test',
        introspection: false,
        logger: createLogger('silent'),
      });
      await app.listen(0, '127.0.0.1');
      return { pg, app, client: new GraphQLClient(app.httpServer) };
    };
    try {
      const first = await boot();
      await first.client.ok(
        CreateAgentDocument,
        { input: { name: 'Persisted', email: 'kept@example.com' } },
        TEST_ADMIN_TOKEN,
      );
      await first.app.stop();
      await first.pg.stop();

      const second = await boot();
      const { agents } = await second.client.ok(AgentsDocument, {}, TEST_ADMIN_TOKEN);
      expect(agents.map((a) => a.email)).toEqual(['kept@example.com']);
      await second.app.stop();
      await second.pg.stop();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe('as `npm start` runs it (dist/src/main.js)', () => {
    beforeAll(() => {
      if (!fs.existsSync(MAIN))
        throw new Error(`${MAIN} is missing: npm test builds it first (npm run build)`);
    });

    function start(dataDir: string): Promise<{ child: ChildProcess; url: string; token: string }> {
      const child = spawn(process.execPath, [MAIN], {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: '0',
          PARLEY_DATA_DIR: dataDir,
          // Any free port: a fixed one would collide with another run, or with a developer's npm start.
          PARLEY_PG_PORT: '0',
          LOG_LEVEL: 'warn',
          NODE_ENV: 'development',
          ADMIN_TOKEN: '',
          DATABASE_URL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      return new Promise((resolve, reject) => {
        const lines = readline.createInterface({ input: child.stdout! });
        lines.on('line', (line) => {
          const ready = /^Parley ready at (\S+) — admin token (\S+)/.exec(line);
          if (ready) resolve({ child, url: ready[1]!, token: ready[2]! });
        });
        child.once('exit', (code) =>
          reject(new Error(`server exited (${String(code)}) before it was ready: ${stderr}`)),
        );
      });
    }

    function exited(child: ChildProcess): Promise<number | null> {
      return child.exitCode !== null
        ? Promise.resolve(child.exitCode)
        : new Promise((resolve) => child.once('exit', resolve));
    }

    it('survives kill -9: the next start clears the stale postmaster, keeps the data and the admin token', async () => {
      const dataDir = tempDataDir();
      try {
        const first = await start(dataDir);
        const base = first.url.replace(/\/graphql$/, '');
        await request(base)
          .post('/graphql')
          .set('authorization', `Bearer ${first.token}`)
          .send({
            query: 'mutation { createAgent(input: { name: "Crash", email: "crash@example.com" }) { token } }',
          })
          .expect(200);
        first.child.kill('SIGKILL');
        await exited(first.child);

        const second = await start(dataDir);
        expect(second.token).toBe(first.token);
        const secondBase = second.url.replace(/\/graphql$/, '');
        await request(secondBase).get('/readyz').expect(200, { status: 'ready' });
        const res = await request(secondBase)
          .post('/graphql')
          .set('authorization', `Bearer ${second.token}`)
          .send({ query: '{ agents { email } }' })
          .expect(200);
        expect(res.body).toEqual({ data: { agents: [{ email: 'crash@example.com' }] } });

        // A graceful stop exits 0 and takes its PostgreSQL with it.
        second.child.kill('SIGTERM');
        expect(await exited(second.child)).toBe(0);
        expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('closes a ticket that fell due while the server was down, once, after kill -9 and a restart', async () => {
      const dataDir = tempDataDir();
      try {
        const first = await start(dataDir);
        const gql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
          const res = await request(first.url.replace(/\/graphql$/, ''))
            .post('/graphql')
            .set('authorization', `Bearer ${token}`)
            .send({ query, variables })
            .expect(200);
          const body = res.body as { data: Record<string, Record<string, unknown>>; errors?: unknown };
          if (body.errors) throw new Error(JSON.stringify(body.errors));
          return body.data;
        };
        const style = (
          await gql(
            first.token,
            'mutation { createConversationStyle(input: { name: "Fast", kind: LIVE_CHAT_RETURNING, closeAfterSolvedSeconds: 2 }) { id } }',
          )
        ).createConversationStyle!.id as string;
        const channel = (
          await gql(
            first.token,
            'mutation($s: ID!) { createChannel(input: { kind: WEB_WIDGET, name: "Site", styleId: $s }) { token channel { id } } }',
            { s: style },
          )
        ).createChannel as { token: string; channel: { id: string } };
        const agent = (
          await gql(
            first.token,
            'mutation { createAgent(input: { name: "A", email: "a@example.com" }) { token agent { id } } }',
          )
        ).createAgent as { token: string; agent: { id: string } };
        const ticket = (
          (
            await gql(
              channel.token,
              'mutation($c: ID!) { receiveMessage(input: { channelId: $c, externalUserId: "u", body: "hi" }) { ticket { id } } }',
              { c: channel.channel.id },
            )
          ).receiveMessage as { ticket: { id: string } }
        ).ticket.id;
        await gql(
          first.token,
          'mutation($t: ID!, $a: ID) { reassignTicket(ticketId: $t, agentId: $a) { status } }',
          { t: ticket, a: agent.agent.id },
        );
        await gql(
          agent.token,
          'mutation($t: ID!) { updateTicketStatus(ticketId: $t, status: SOLVED) { status } }',
          { t: ticket },
        );

        first.child.kill('SIGKILL');
        await exited(first.child);
        await new Promise((resolve) => setTimeout(resolve, 3000)); // past the due time, with no server

        const second = await start(dataDir);
        const base = second.url.replace(/\/graphql$/, '');
        const deadline = performance.now() + 15_000;
        let status = '';
        while (performance.now() < deadline) {
          const res = await request(base)
            .post('/graphql')
            .set('authorization', `Bearer ${second.token}`)
            .send({ query: 'query($t: ID!) { ticket(id: $t) { status } }', variables: { t: ticket } });
          status = (res.body as { data: { ticket: { status: string } } }).data.ticket.status;
          if (status === 'CLOSED') break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(status).toBe('CLOSED');
        second.child.kill('SIGTERM');
        expect(await exited(second.child)).toBe(0);

        const pg = await startEmbeddedPostgres({ dataDir });
        const client = new pg2.Client({ connectionString: pg.url });
        await client.connect();
        const { rows } = await client.query<{ n: string }>(
          `select count(*)::text as n from ticket_events where ticket_id = $1 and kind = 'STATUS_CHANGED' and to_status = 'CLOSED'`,
          [ticket],
        );
        await client.end();
        await pg.stop();
        expect(rows[0]!.n).toBe('1');
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('refuses to start on a bad environment variable, naming it', async () => {
      const child = spawn(process.execPath, [MAIN], {
        cwd: ROOT,
        env: { ...process.env, PORT: 'eighty' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      expect(await exited(child)).toBe(1);
      expect(stderr).toContain('PORT');
    });
  });
});
