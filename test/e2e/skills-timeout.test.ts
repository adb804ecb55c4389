import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/domain/clock';
import { sweepJob } from '../../src/jobs/sweep.job';
import { createLogger } from '../../src/observability/logger';
import {
  AcceptTicketDocument,
  AgentLoadDocument,
  CreateSkilledChannelDocument,
  SetAgentStatusDocument,
  SetSkillsTimeoutDocument,
  SkilledTicketDocument,
  SkillsPreviewDocument,
  TicketUpdatesDocument,
  UpdateChannelSkillsDocument,
  UpdateTicketDocument,
  UpdateTicketStatusDocument,
  type AgentStatus,
  type UpdateTicketInput,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive, styleId } from '../support/fixtures';
import { errorCodes } from '../support/graphql-client';
import { refusalCheck } from '../support/refusals';
import { startTestApp, type TestApp } from '../support/test-app';
import type { Clock } from '../../src/domain/clock';

/**
 * docs/domain.md "Skills timeout": a ticket's optional skills (from its channel, or set with
 * updateTicket) count like required ones until it has waited the routing settings'
 * skillsTimeoutSeconds; then they no longer count, and routing places the ticket without anything
 * else happening. updateTicket, by the assignee or an admin, records one TICKET_UPDATED change and
 * routes a waiting ticket again.
 */
let t: TestApp;
let db: pg.Client;
let seq = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;
type Person = { id: string; token: string };

beforeAll(async () => {
  // No periodic sweep: the tests run it themselves, at the times they choose.
  t = await startTestApp({
    scheduler: { sweepEveryMs: 3_600_000 },
    limits: { rateLimits: { messages: null, mutations: null } },
  });
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await t.close();
});

const sweep = () => sweepJob(t.app.services, createLogger('silent'))();
const setTimeoutSeconds = (app: TestApp<Clock>, seconds: number | null) =>
  app.client.ok(SetSkillsTimeoutDocument, { seconds }, app.adminToken);

/**
 * A channel whose tickets require a skill of this test's own (so agents of other tests never get
 * them) and ask for `optional` skills; agents with that skill plus their own, OFFLINE unless told.
 */
async function desk(
  app: TestApp<Clock>,
  optional: string[],
  people: { skills?: string[]; capacity?: number; status?: AgentStatus }[] = [],
) {
  const skill = unique('desk');
  const { createChannel } = await app.client.ok(
    CreateSkilledChannelDocument,
    {
      input: {
        kind: 'WEB_WIDGET',
        name: unique('Channel'),
        styleId: await styleId(app, 'SOCIAL_MESSAGING'),
        requiredSkills: [skill],
        optionalSkills: optional,
      },
    },
    app.adminToken,
  );
  const channel = { id: createChannel.channel.id, token: createChannel.token };
  const agents: Person[] = [];
  for (const p of people) {
    agents.push(await createAgent(app, { status: 'OFFLINE', ...p, skills: [skill, ...(p.skills ?? [])] }));
  }
  return { channel, agents, skill };
}

const ticketOf = async (id: string, app: TestApp<Clock> = t) =>
  (await app.client.ok(SkilledTicketDocument, { id }, app.adminToken)).ticket!;
const setStatus = (agent: Person, status: AgentStatus) =>
  t.client.ok(SetAgentStatusDocument, { status }, agent.token);
const load = async (agentId: string) =>
  (await t.client.ok(AgentLoadDocument, { id: agentId }, t.adminToken)).agent!.load;
const preview = async (ticketId: string) =>
  (await t.client.ok(SkillsPreviewDocument, { ticketId }, t.adminToken)).routingPreview;
const update = (ticketId: string, input: UpdateTicketInput, token = t.adminToken) =>
  t.client.execute(UpdateTicketDocument, { ticketId, input }, token);
const updated = async (ticketId: string, input: UpdateTicketInput, token = t.adminToken) =>
  (await t.client.ok(UpdateTicketDocument, { ticketId, input }, token)).updateTicket;

/** The ticket's TICKET_UPDATED rows in the log, with the state each recorded. */
async function updateRows(ticketId: string) {
  const { rows } = await db.query<{ actor_type: string; status: string; previous_status: string }>(
    `select actor_type, status, previous_status from ticket_events
      where ticket_id = $1 and kind = 'TICKET_UPDATED' order by id`,
    [ticketId],
  );
  return rows;
}

const expectRefused = refusalCheck(() => t);

describe("a channel's optional skills", () => {
  it('are normalised, never repeat a required skill, and are copied to each new ticket', async () => {
    const style = await styleId(t, 'SOCIAL_MESSAGING');
    const { createChannel } = await t.client.ok(
      CreateSkilledChannelDocument,
      {
        input: {
          kind: 'WHATSAPP',
          name: unique('Channel'),
          styleId: style,
          requiredSkills: ['Billing'],
          optionalSkills: [' Spanish ', 'BILLING', 'spanish', 'vip'],
        },
      },
      t.adminToken,
    );
    expect(createChannel.channel).toMatchObject({
      requiredSkills: ['billing'],
      optionalSkills: ['spanish', 'vip'],
    });
    const channel = { id: createChannel.channel.id, token: createChannel.token };

    // A skill the integration requires of the ticket is required, not optional.
    const first = await receive(t, channel, unique('customer'), 'Hola', { requiredSkills: ['VIP'] });
    expect(await ticketOf(first.ticket.id)).toMatchObject({
      requiredSkills: ['billing', 'vip'],
      optionalSkills: ['spanish'],
    });

    // A change to the channel applies to new tickets; the ones there are keep theirs.
    const { updateChannel } = await t.client.ok(
      UpdateChannelSkillsDocument,
      { id: channel.id, input: { optionalSkills: ['french'] } },
      t.adminToken,
    );
    expect(updateChannel).toMatchObject({ requiredSkills: ['billing'], optionalSkills: ['french'] });
    const second = await receive(t, channel, unique('customer'), 'Bonjour');
    expect((await ticketOf(second.ticket.id)).optionalSkills).toEqual(['french']);
    expect((await ticketOf(first.ticket.id)).optionalSkills).toEqual(['spanish']);

    // New required skills take a kept optional one.
    const { updateChannel: again } = await t.client.ok(
      UpdateChannelSkillsDocument,
      { id: channel.id, input: { requiredSkills: ['billing', 'french'] } },
      t.adminToken,
    );
    expect(again).toMatchObject({ requiredSkills: ['billing', 'french'], optionalSkills: [] });
  });

  it('createChannel and updateChannel refuse bad optional skills: BAD_USER_INPUT naming input.optionalSkills', async () => {
    const { channel } = await desk(t, []);
    const style = await styleId(t, 'SOCIAL_MESSAGING');
    const create = (optionalSkills: string[]) =>
      t.client.execute(
        CreateSkilledChannelDocument,
        { input: { kind: 'SMS', name: unique('Channel'), styleId: style, optionalSkills } },
        t.adminToken,
      );
    const change = (optionalSkills: string[] | null) =>
      t.client.execute(
        UpdateChannelSkillsDocument,
        { id: channel.id, input: { optionalSkills } },
        t.adminToken,
      );
    await expectRefused(() => create(['not ok']), 'BAD_USER_INPUT', 'input.optionalSkills');
    await expectRefused(() => create(['ok', 'x'.repeat(65)]), 'BAD_USER_INPUT', 'input.optionalSkills');
    await expectRefused(() => change(null), 'BAD_USER_INPUT', 'input.optionalSkills');
    await expectRefused(() => change(['dot.ted']), 'BAD_USER_INPUT', 'input.optionalSkills');
  });
});

describe('the skills timeout', () => {
  afterEach(() => setTimeoutSeconds(t, null));

  it('a ticket asking for a skill nobody has waits; at skillsTimeoutSeconds it is offered, and the preview names the lapse', async () => {
    await setTimeoutSeconds(t, 120);
    const {
      channel,
      agents: [ada],
    } = await desk(t, ['rare-language'], [{ status: 'ONLINE' }]);
    const received = await receive(t, channel, unique('customer'), '¿Hola?');
    const ticketId = received.ticket.id;
    const waitingSince = new Date(received.ticket.createdAt);
    const lapsesAt = new Date(waitingSince.getTime() + 120_000).toISOString();

    expect(await ticketOf(ticketId)).toMatchObject({ status: 'NEW', offeredTo: null });
    expect((await preview(ticketId)).candidates).toContainEqual({
      agent: { id: ada!.id },
      rank: null,
      reason: 'MISSING_OPTIONAL_SKILL',
      missingSkills: ['rare-language'],
      explanation: expect.stringContaining(lapsesAt),
    });

    // A second before the timeout nothing lapses, sweep or not.
    t.clock.set(new Date(waitingSince.getTime() + 119_000));
    await sweep();
    expect(await ticketOf(ticketId)).toMatchObject({ status: 'NEW', offeredTo: null });

    // Exactly at the timeout the optional skill no longer counts.
    t.clock.set(lapsesAt);
    const lapsed = await preview(ticketId);
    expect(lapsed.chosen).toEqual({ id: ada!.id });
    expect(lapsed.candidates).toContainEqual({
      agent: { id: ada!.id },
      rank: 1,
      reason: 'OPTIONAL_SKILLS_LAPSED',
      missingSkills: ['rare-language'],
      explanation: expect.stringContaining(lapsesAt),
    });
    await sweep();
    expect(await ticketOf(ticketId)).toMatchObject({ status: 'NEW', offeredTo: { id: ada!.id } });
    expect(await load(ada!.id)).toBe(1);
    await t.client.ok(AcceptTicketDocument, { ticketId }, ada!.token);
    expect((await ticketOf(ticketId)).assignee).toEqual({ id: ada!.id });
  });

  it('with skillsTimeoutSeconds null optional skills never lapse; an agent who has them is offered the ticket', async () => {
    const {
      channel,
      agents: [ada, bo],
    } = await desk(t, ['rare-language'], [{ status: 'ONLINE', capacity: 5 }, { skills: ['rare-language'] }]);
    const ticketId = (await receive(t, channel, unique('customer'), '¿Hola?')).ticket.id;
    t.clock.advance(30 * 86_400);
    await sweep();
    expect(await ticketOf(ticketId)).toMatchObject({ status: 'NEW', offeredTo: null });
    expect((await preview(ticketId)).candidates).toContainEqual(
      expect.objectContaining({ agent: { id: ada!.id }, reason: 'MISSING_OPTIONAL_SKILL' }),
    );
    // An agent with the skill coming ONLINE gets it, though Ada has more room.
    await setStatus(bo!, 'ONLINE');
    expect((await ticketOf(ticketId)).offeredTo).toEqual({ id: bo!.id });
  });

  it('before the lapse an agent with the optional skill is preferred; after it, skills no longer rank', async () => {
    await setTimeoutSeconds(t, 60);
    const {
      channel,
      agents: [ada, bo],
    } = await desk(
      t,
      ['spanish'],
      [
        { status: 'ONLINE', capacity: 5 },
        { status: 'ONLINE', capacity: 1, skills: ['spanish'] },
      ],
    );
    const early = (await receive(t, channel, unique('customer'), '¿Hola?')).ticket.id;
    expect((await ticketOf(early)).offeredTo).toEqual({ id: bo!.id });
    await t.client.ok(AcceptTicketDocument, { ticketId: early }, bo!.token);
    // Bo is full now: the next ticket waits for Bo or the lapse, and then goes to Ada.
    const late = (await receive(t, channel, unique('customer'), '¿Hola?')).ticket.id;
    expect((await ticketOf(late)).offeredTo).toBeNull();
    t.clock.advance(60);
    await sweep();
    expect((await ticketOf(late)).offeredTo).toEqual({ id: ada!.id });
  });
});

describe('the lapse wakes routing by itself', () => {
  let r: TestApp<typeof systemClock>;
  beforeAll(async () => {
    // The real clock, and no sweep: only the routing run's own wake-up can place the ticket.
    r = await startTestApp({ clock: systemClock, scheduler: { sweepEveryMs: 3_600_000 } });
  });
  afterAll(() => r.close());

  it('a ticket held only by its optional skills is offered once they lapse, with nothing else happening', async () => {
    await setTimeoutSeconds(r, 1);
    const {
      channel,
      agents: [ada],
    } = await desk(r, ['rare-language'], [{ status: 'ONLINE' }]);
    const received = await receive(r, channel, unique('customer'), '¿Hola?');
    const ticketId = received.ticket.id;
    let ticket = await ticketOf(ticketId, r);
    // Placed at once only if the second had already passed (a very slow machine); then nothing to see.
    if (ticket.offeredTo === null) {
      for (let i = 0; i < 200 && ticket.offeredTo === null; i++) {
        await sleep(50);
        ticket = await ticketOf(ticketId, r);
      }
    }
    expect(ticket).toMatchObject({ status: 'NEW', offeredTo: { id: ada!.id } });
  });
});

describe('updateTicket', () => {
  it('an admin drops the optional skill holding a waiting ticket: one TICKET_UPDATED, and routing offers it at once', async () => {
    const {
      channel,
      agents: [ada],
    } = await desk(t, ['rare-language'], [{ status: 'ONLINE' }]);
    const ticketId = (await receive(t, channel, unique('customer'), '¿Hola?')).ticket.id;
    const before = await ticketOf(ticketId);
    expect(before.offeredTo).toBeNull();
    t.clock.advance(5);

    const answer = await updated(ticketId, { optionalSkills: [], priority: 'HIGH' });
    // The answer is the ticket as committed after routing ran.
    expect(answer).toMatchObject({ priority: 'HIGH', optionalSkills: [], offeredTo: { id: ada!.id } });
    expect(answer.requiredSkills).toEqual(before.requiredSkills);
    expect(await updateRows(ticketId)).toEqual([
      { actor_type: 'ADMIN', status: 'NEW', previous_status: 'NEW' },
    ]);
    const log = await t.client.ok(TicketUpdatesDocument, { filter: { channelId: channel.id } }, t.adminToken);
    expect(log.ticketChanges.edges.map((e) => e.node.kind)).toEqual([
      'CREATED',
      'MESSAGE_ADDED',
      'TICKET_UPDATED',
      'OFFERED',
    ]);
  });

  it('the assignee changes the priority and skills of its OPEN ticket; giving the same again records nothing', async () => {
    const {
      channel,
      agents: [ada],
    } = await desk(t, ['spanish'], [{ skills: ['spanish'] }]);
    const ticketId = (await receive(t, channel, unique('customer'), '¿Hola?')).ticket.id;
    await assign(t, ticketId, ada!.id);
    t.clock.advance(5);
    const required = (await ticketOf(ticketId)).requiredSkills;

    const answer = await updated(
      ticketId,
      { priority: 'URGENT', requiredSkills: [...required, 'VIP'], optionalSkills: ['vip', 'French'] },
      ada!.token,
    );
    expect(answer).toMatchObject({
      status: 'OPEN',
      priority: 'URGENT',
      requiredSkills: [...required, 'vip'],
      optionalSkills: ['french'],
      assignee: { id: ada!.id },
      updatedAt: t.clock.now().toISOString(),
    });
    expect(await updateRows(ticketId)).toEqual([
      { actor_type: 'AGENT', status: 'OPEN', previous_status: 'OPEN' },
    ]);

    t.clock.advance(5);
    const same = await updated(
      ticketId,
      { priority: 'URGENT', requiredSkills: ['vip', ...required], optionalSkills: ['french'] },
      ada!.token,
    );
    expect(same).toEqual(answer);
    expect(await updateRows(ticketId)).toHaveLength(1);
  });

  it('a raised priority puts a waiting ticket first in the queue', async () => {
    const {
      channel,
      agents: [ada],
    } = await desk(t, [], [{ capacity: 1 }]);
    const older = (await receive(t, channel, unique('customer'), 'first')).ticket.id;
    t.clock.advance(1);
    const newer = (await receive(t, channel, unique('customer'), 'second')).ticket.id;
    await updated(newer, { priority: 'URGENT' });
    await setStatus(ada!, 'ONLINE');
    expect((await ticketOf(newer)).offeredTo).toEqual({ id: ada!.id });
    expect((await ticketOf(older)).offeredTo).toBeNull();
  });

  it('an offer stands when the offered agent no longer has every skill; it can still accept', async () => {
    const {
      channel,
      agents: [ada],
    } = await desk(t, [], [{ status: 'ONLINE' }]);
    const ticketId = (await receive(t, channel, unique('customer'), 'hello')).ticket.id;
    expect((await ticketOf(ticketId)).offeredTo).toEqual({ id: ada!.id });
    const answer = await updated(ticketId, { requiredSkills: ['nobody-has-this'] });
    expect(answer).toMatchObject({ requiredSkills: ['nobody-has-this'], offeredTo: { id: ada!.id } });
    await t.client.ok(AcceptTicketDocument, { ticketId }, ada!.token);
    expect((await ticketOf(ticketId)).assignee).toEqual({ id: ada!.id });
  });

  it('concurrent updates releasing waiting tickets never offer beyond capacity', async () => {
    const { channel, agents } = await desk(
      t,
      ['rare-language'],
      [
        { status: 'ONLINE', capacity: 1 },
        { status: 'ONLINE', capacity: 1 },
      ],
    );
    const tickets: string[] = [];
    for (let i = 0; i < 6; i++)
      tickets.push((await receive(t, channel, unique('customer'), `#${i}`)).ticket.id);
    const answers = await Promise.all(tickets.map((id) => update(id, { optionalSkills: [] })));
    expect(answers.flatMap((a) => errorCodes(a))).toEqual([]);
    await t.app.services.routing.routeQueue();
    const after = await Promise.all(tickets.map((id) => ticketOf(id)));
    const offered = after.filter((x) => x.offeredTo !== null).map((x) => x.offeredTo!.id);
    expect(offered.sort()).toEqual(agents.map((a) => a.id).sort());
    for (const agent of agents) expect(await load(agent.id)).toBe(1);
    for (const id of tickets) expect(await updateRows(id)).toHaveLength(1);
  });

  describe('refusals change nothing', () => {
    let ticketId: string;
    let ada: Person;
    let bo: Person;
    let waitingId: string;
    let closedId: string;
    let integration: string;
    beforeAll(async () => {
      const { channel, agents } = await desk(t, ['spanish'], [{}, {}]);
      [ada, bo] = agents as [Person, Person];
      integration = channel.token;
      ticketId = (await receive(t, channel, unique('customer'), 'held')).ticket.id;
      await assign(t, ticketId, ada.id);
      waitingId = (await receive(t, channel, unique('customer'), 'waiting')).ticket.id;
      // A live chat closes as it is solved.
      const live = await createChannel(t, 'LIVE_CHAT', { requiredSkills: [unique('live')] });
      closedId = (await receive(t, live, unique('customer'), 'closed')).ticket.id;
      await assign(t, closedId, ada.id);
      await t.client.ok(UpdateTicketStatusDocument, { ticketId: closedId, status: 'SOLVED' }, ada.token);
      expect((await ticketOf(closedId)).status).toBe('CLOSED');
    });

    interface Refusal {
      label: string;
      request: () => { id: string; input: UpdateTicketInput; token: string };
      code: string;
      field?: string;
    }
    const refusals: Refusal[] = [
      {
        label: 'an integration: FORBIDDEN',
        request: () => ({ id: ticketId, input: { priority: 'LOW' }, token: integration }),
        code: 'FORBIDDEN',
      },
      {
        label: 'an agent not its assignee: FORBIDDEN',
        request: () => ({ id: ticketId, input: { priority: 'LOW' }, token: bo.token }),
        code: 'FORBIDDEN',
      },
      {
        label: 'an agent, on a waiting ticket: FORBIDDEN',
        request: () => ({ id: waitingId, input: { priority: 'LOW' }, token: ada.token }),
        code: 'FORBIDDEN',
      },
      {
        label: 'another agent, even with nothing to change: FORBIDDEN',
        request: () => ({ id: ticketId, input: {}, token: bo.token }),
        code: 'FORBIDDEN',
      },
      {
        label: 'an unknown ticket: NOT_FOUND',
        request: () => ({ id: '00000000-0000-4000-8000-000000000000', input: {}, token: t.adminToken }),
        code: 'NOT_FOUND',
      },
      {
        label: 'a malformed id: NOT_FOUND',
        request: () => ({ id: 'not-an-id', input: {}, token: t.adminToken }),
        code: 'NOT_FOUND',
      },
      {
        label: 'a CLOSED ticket: ILLEGAL_TRANSITION',
        request: () => ({ id: closedId, input: { priority: 'HIGH' }, token: t.adminToken }),
        code: 'ILLEGAL_TRANSITION',
      },
      {
        label: 'its last assignee, on a CLOSED ticket: ILLEGAL_TRANSITION',
        request: () => ({ id: closedId, input: {}, token: ada.token }),
        code: 'ILLEGAL_TRANSITION',
      },
      {
        label: 'a bad required skill: BAD_USER_INPUT',
        request: () => ({ id: ticketId, input: { requiredSkills: ['no spaces'] }, token: t.adminToken }),
        code: 'BAD_USER_INPUT',
        field: 'input.requiredSkills',
      },
      {
        label: 'a bad optional skill: BAD_USER_INPUT',
        request: () => ({ id: ticketId, input: { optionalSkills: ['ok', 'n.o'] }, token: ada.token }),
        code: 'BAD_USER_INPUT',
        field: 'input.optionalSkills',
      },
      {
        label: 'a null priority: BAD_USER_INPUT',
        request: () => ({ id: ticketId, input: { priority: null }, token: t.adminToken }),
        code: 'BAD_USER_INPUT',
        field: 'input.priority',
      },
      {
        label: 'null optional skills: BAD_USER_INPUT',
        request: () => ({ id: ticketId, input: { optionalSkills: null }, token: t.adminToken }),
        code: 'BAD_USER_INPUT',
        field: 'input.optionalSkills',
      },
    ];
    it.each(refusals)('$label', async ({ request, code, field }) => {
      const { id, input, token } = request();
      await expectRefused(() => update(id, input, token), code, field);
    });

    it('without a token: UNAUTHENTICATED', async () => {
      await expectRefused(
        () => t.client.execute(UpdateTicketDocument, { ticketId, input: { priority: 'LOW' } }),
        'UNAUTHENTICATED',
      );
    });
  });
});
