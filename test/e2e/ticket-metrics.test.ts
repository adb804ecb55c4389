import {
  SendMessageDocument,
  TicketMetricsDocument,
  UpdateTicketStatusDocument,
} from '../generated/operations';
import pg from 'pg';
import { foldMetrics, initialMetrics, metricsAt } from '../../src/domain/ticket/ticket-metrics';
import type { AuthorType, TicketChangeKind, TicketStatus } from '../../src/domain/ticket/ticket.enums';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('Ticket.metrics after a scripted conversation on a test clock', () => {
  it('matches first reply, resolution and handle seconds computed by hand', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const agent = await createAgent(t);
    const start = t.clock.now().getTime();
    const at = (seconds: number) => t.clock.set(new Date(start + seconds * 1000));
    const status = (s: 'PENDING' | 'SOLVED') =>
      t.client.ok(UpdateTicketStatusDocument, { ticketId, status: s }, agent.token);

    at(0);
    const ticketId = (await receive(t, channel, 'metrics-1', 'My package never arrived')).ticket.id;
    at(30);
    await assign(t, ticketId, agent.id); //                               OPEN from 30
    at(90);
    await t.client.ok(SendMessageDocument, { ticketId, body: 'Sorry! Checking now.' }, agent.token); // first reply: 90
    at(150);
    await status('PENDING'); //                                           OPEN 30→150 = 120
    at(400);
    await receive(t, channel, 'metrics-1', 'Any news?'); //              OPEN from 400
    at(460);
    await status('SOLVED'); //                                            + 60 = 180; solved at 460
    at(500);
    await receive(t, channel, 'metrics-1', 'It came broken'); //         reopen, OPEN from 500
    at(600);
    await status('SOLVED'); //                                            + 100 = 280; last solve 600
    at(700);

    const { ticket } = await t.client.ok(TicketMetricsDocument, { id: ticketId }, t.adminToken);
    expect(ticket?.metrics).toEqual({
      firstReplySeconds: 90,
      fullResolutionSeconds: 600,
      handleSeconds: 280,
      reopenCount: 1,
      assignmentCount: 1,
    });

    // The stored figures are the event log folded: replaying the log gives the same answer.
    const db = new pg.Client({ connectionString: t.db.url });
    await db.connect();
    try {
      const { rows } = await db.query<{
        kind: TicketChangeKind;
        at: Date;
        to_status: TicketStatus | null;
        agent_id: string | null;
        author_type: AuthorType | null;
      }>(
        'select kind, at, to_status, agent_id, author_type from ticket_events where ticket_id = $1 order by id',
        [ticketId],
      );
      const replayed = rows.reduce(
        (state, row) =>
          foldMetrics(state, {
            kind: row.kind,
            at: row.at,
            toStatus: row.to_status,
            agentId: row.agent_id,
            authorType: row.author_type,
          }),
        initialMetrics(new Date(start)),
      );
      expect(metricsAt(replayed, t.clock.now())).toEqual(ticket?.metrics);
    } finally {
      await db.end();
    }
  });

  it('counts the current OPEN interval up to now, and has no first reply before an agent writes', async () => {
    const channel = await createChannel(t, 'LIVE_CHAT_RETURNING');
    const agent = await createAgent(t);
    const start = t.clock.now().getTime();
    const ticketId = (await receive(t, channel, 'metrics-2', 'Hello')).ticket.id;
    t.clock.set(new Date(start + 10_000));
    await assign(t, ticketId, agent.id);
    t.clock.set(new Date(start + 75_500));
    const { ticket } = await t.client.ok(TicketMetricsDocument, { id: ticketId }, t.adminToken);
    expect(ticket?.metrics).toEqual({
      firstReplySeconds: null,
      fullResolutionSeconds: null,
      handleSeconds: 65,
      reopenCount: 0,
      assignmentCount: 1,
    });
  });
});
