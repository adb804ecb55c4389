import { systemClock } from '../../src/domain/clock';
import { TicketDocument, UpdateTicketStatusDocument } from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { startTestApp } from '../support/test-app';

/**
 * Agenda's MongoDB backend (AGENDA_BACKEND=mongodb, as docker-compose.yml runs it). No MongoDB
 * server can be installed on the machines CI runs on, so this suite runs only where MONGODB_URL
 * points at one, and says so when it does not.
 */
const mongodbUrl = process.env.MONGODB_URL;
if (!mongodbUrl)
  console.warn(
    'SKIPPED: the Agenda MongoDB backend suite needs MONGODB_URL (e.g. mongodb://localhost:27017/parley-test)',
  );
const describeWithMongo = mongodbUrl ? describe : describe.skip;

describeWithMongo('automations with Agenda on MongoDB', () => {
  it('closes a solved ticket on time', async () => {
    const t = await startTestApp({
      clock: systemClock,
      agenda: { kind: 'mongodb', mongodbUrl },
      scheduler: { processEveryMs: 200 },
    });
    try {
      const channel = await createChannel(t, 'LIVE_CHAT_RETURNING', { closeAfterSolvedSeconds: 2 });
      const agent = await createAgent(t, { status: 'OFFLINE' });
      const ticketId = (await receive(t, channel, 'mongo-1', 'hi')).ticket.id;
      await assign(t, ticketId, agent.id);
      await t.client.ok(UpdateTicketStatusDocument, { ticketId, status: 'SOLVED' }, agent.token);
      const deadline = performance.now() + 15_000;
      let status = 'SOLVED';
      while (status !== 'CLOSED' && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        status = (await t.client.ok(TicketDocument, { id: ticketId }, t.adminToken)).ticket!.status;
      }
      expect(status).toBe('CLOSED');
    } finally {
      await t.close();
    }
  });
});
