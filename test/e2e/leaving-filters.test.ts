import {
  AssignmentsLeavingDocument,
  TicketChangedLeavingDocument,
  TicketChangesLeavingDocument,
  UpdateTicketStatusDocument,
  type AssignmentsLeavingSubscription,
  type TicketChangedLeavingSubscription,
  type TicketFilter,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { SocketPool, subscribeLive } from '../support/ws-client';

/**
 * docs/domain.md "The event stream": a filtered reader receives a change when the ticket matched
 * its filter before or after it, so an inbox sees a ticket leave; `assignments` includes the change
 * that takes a ticket or an offer away from the agent. Reproduces what a frontend team met: after a
 * reassignment from Ada to Bo, Ada got nothing on either feed; a `statuses: [OPEN]` view saw
 * PENDING → OPEN but not OPEN → PENDING.
 */

let t: TestApp;
const sockets = new SocketPool(() => t.wsUrl);
beforeAll(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await sockets.closeAll();
});
afterAll(() => t.close());

type Change = TicketChangedLeavingSubscription['ticketChanged'];
const shape = (
  c: Pick<Change, 'kind' | 'previousStatus' | 'previousAssignee'> & { ticket: { id: string } },
) => [c.kind, c.ticket.id, c.previousStatus ?? null, c.previousAssignee?.id ?? null];

/** The same filter read back from the log: catch-up sees what the live feed saw. */
async function caughtUp(filter: TicketFilter, after: string | null) {
  const { ticketChanges } = await t.client.ok(
    TicketChangesLeavingDocument,
    { filter, after, first: 1000 },
    t.adminToken,
  );
  return ticketChanges.edges.map((e) => e.node);
}

const quiet = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('a filtered feed sees a ticket leave', () => {
  it('reassigned from Ada to Bo: Ada’s inbox and her assignments get the change, live, replayed and read', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const bo = await createAgent(t, { status: 'OFFLINE' });
    const ticket = (await receive(t, channel, 'leaving-1', 'hello')).ticket.id;
    await assign(t, ticket, ada.id);
    await t.app.services.events.settle();

    const ws = await sockets.connect(ada.token);
    const inbox = await subscribeLive(t.app.services.events, ws.client, TicketChangedLeavingDocument, {
      filter: { assigneeId: ada.id },
    });
    const desk = await subscribeLive(t.app.services.events, ws.client, AssignmentsLeavingDocument, {
      agentId: ada.id,
    });

    await assign(t, ticket, bo.id);
    const [left] = await inbox.waitFor(1);
    const [taken] = await desk.waitFor(1);
    await quiet();
    expect(inbox.events.map((e) => shape(e.ticketChanged))).toEqual([['ASSIGNED', ticket, 'OPEN', ada.id]]);
    expect(left!.ticketChanged.ticket.assignee?.id).toBe(bo.id);
    expect(
      desk.events.map((e: AssignmentsLeavingSubscription) =>
        shape({ ...e.assignments, previousStatus: null }),
      ),
    ).toEqual([['ASSIGNED', ticket, null, ada.id]]);
    expect(taken!.assignments.ticket.assignee?.id).toBe(bo.id);

    // Bo's inbox saw it arrive (after the change), not Ada's earlier assignment.
    const boView = await caughtUp({ assigneeId: bo.id }, null);
    expect(boView.map(shape)).toEqual([['ASSIGNED', ticket, 'OPEN', ada.id]]);
    // Ada's, read back: the assignment to her (it entered), and the one that took it away.
    const adaView = await caughtUp({ assigneeId: ada.id }, null);
    expect(adaView.map(shape).at(-1)).toEqual(['ASSIGNED', ticket, 'OPEN', ada.id]);
    expect(adaView.map((c) => c.kind)).toEqual(['ASSIGNED', 'STATUS_CHANGED', 'ASSIGNED']);

    // A replay from before the reassignment gives the same change.
    const before = adaView.at(-2)!.cursor;
    const replay = await subscribeLive(t.app.services.events, ws.client, TicketChangedLeavingDocument, {
      filter: { assigneeId: ada.id },
      after: before,
    });
    await replay.waitFor(1);
    await quiet();
    expect(replay.events.map((e) => shape(e.ticketChanged))).toEqual([['ASSIGNED', ticket, 'OPEN', ada.id]]);
  });

  it('moved OPEN → PENDING: a statuses: [OPEN] view gets the change that takes the ticket out', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const ada = await createAgent(t, { status: 'OFFLINE' });
    const ticket = (await receive(t, channel, 'leaving-2', 'hello')).ticket.id;
    await assign(t, ticket, ada.id);
    await t.app.services.events.settle();

    const ws = await sockets.connect(t.adminToken);
    const open = await subscribeLive(t.app.services.events, ws.client, TicketChangedLeavingDocument, {
      filter: { statuses: ['OPEN'], channelId: channel.id },
    });
    const status = (s: 'PENDING' | 'OPEN') =>
      t.client.ok(UpdateTicketStatusDocument, { ticketId: ticket, status: s }, ada.token);
    await status('PENDING'); // leaves
    await status('OPEN'); //    enters
    await open.waitFor(2);
    await quiet();
    expect(open.events.map((e) => [shape(e.ticketChanged), e.ticketChanged.kind])).toEqual([
      [['STATUS_CHANGED', ticket, 'OPEN', ada.id], 'STATUS_CHANGED'],
      [['STATUS_CHANGED', ticket, 'PENDING', ada.id], 'STATUS_CHANGED'],
    ]);
    const read = await caughtUp({ statuses: ['OPEN'], channelId: channel.id }, null);
    expect(read.slice(-2).map(shape)).toEqual(open.events.map((e) => shape(e.ticketChanged)));
  });

  it('an offer given to someone else: the offered agent’s assignments hear it withdrawn', async () => {
    const skill = `leaving-${Date.now()}`;
    const channel = await createChannel(t, 'SOCIAL_MESSAGING', { requiredSkills: [skill] });
    const ada = await createAgent(t, { skills: [skill] });
    const bo = await createAgent(t, { status: 'OFFLINE' });
    const ws = await sockets.connect(ada.token);
    const desk = await subscribeLive(t.app.services.events, ws.client, AssignmentsLeavingDocument, {
      agentId: ada.id,
    });

    const ticket = (await receive(t, channel, 'leaving-3', 'hello')).ticket.id;
    const [offered] = await desk.waitFor(1);
    expect(offered!.assignments.kind).toBe('OFFERED');
    await assign(t, ticket, bo.id);
    await desk.waitFor(2);
    await quiet();
    expect(desk.events.map((e) => [e.assignments.kind, e.assignments.ticket.id])).toEqual([
      ['OFFERED', ticket],
      ['OFFER_DECLINED', ticket],
    ]);
  });
});
