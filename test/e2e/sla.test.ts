import pg from 'pg';
import {
  CreateSlaPolicyDocument,
  type CreateSlaPolicyInput,
  DeleteSlaPolicyDocument,
  SendMessageDocument,
  SendNoteDocument,
  SlaPoliciesDocument,
  SlaPolicyNodeDocument,
  SlaQueueDocument,
  TicketSlaDocument,
  TicketStatsDocument,
  UpdateTicketDocument,
  UpdateSlaPolicyDocument,
  type UpdateSlaPolicyInput,
  UpdateTicketStatusDocument,
} from '../generated/operations';
import { assign, createAgent, createChannel, receive } from '../support/fixtures';
import { errorCodes } from '../support/graphql-client';
import { refusalCheck } from '../support/refusals';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * docs/domain.md "SLA": policies (admins manage, agents read), due times on the ticket from the
 * change path, and one SLA_BREACHED change per missed target at its due time: by the job, or by the
 * sweep for what no job caught, exactly once across processes and restarts.
 */

let t: TestApp;
beforeAll(async () => {
  // Due jobs are polled every 100 ms; the sweep runs only at start unless a test calls it.
  t = await startTestApp({ scheduler: { processEveryMs: 100, sweepEveryMs: 3_600_000 } });
});
afterAll(() => t.close());

const expectRefused = refusalCheck(() => t);
const MINUTE = 60;

async function breachEvents(app: TestApp, ticketId: string): Promise<number> {
  const db = new pg.Client({ connectionString: app.db.url });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from ticket_events where kind = 'SLA_BREACHED' and ticket_id = $1`,
      [ticketId],
    );
    return rows[0]!.n;
  } finally {
    await db.end();
  }
}

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline)
      throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const createPolicy = async (app: TestApp, input: CreateSlaPolicyInput) =>
  (await app.client.ok(CreateSlaPolicyDocument, { input }, app.adminToken)).createSlaPolicy;
const sla = async (app: TestApp, id: string) =>
  (await app.client.ok(TicketSlaDocument, { id }, app.adminToken)).ticket!;
const breachedInQueue = async (channelId: string) =>
  (await t.client.ok(SlaQueueDocument, { channelId }, t.adminToken)).queue.slaBreached;
const plus = (iso: string, seconds: number) =>
  new Date(new Date(iso).getTime() + seconds * 1000).toISOString();

describe('SLA policies', () => {
  it('admins create, update and delete them; agents read them; integrations do not', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const agent = await createAgent(t);
    const created = await createPolicy(t, {
      name: 'VIP',
      priorities: ['URGENT', 'HIGH'],
      channelIds: [channel.id],
      firstReplySeconds: 15 * MINUTE,
      businessHours: {
        timeZone: 'america/new_york',
        weekly: [
          { day: 'MONDAY', start: '09:00', end: '17:00' },
          { day: 'FRIDAY', start: '20:00', end: '24:00' },
        ],
        holidays: ['2026-12-25'],
      },
    });
    expect(created).toMatchObject({
      name: 'VIP',
      position: expect.any(Number),
      priorities: ['URGENT', 'HIGH'],
      channelIds: [channel.id],
      firstReplySeconds: 900,
      nextReplySeconds: null,
      resolutionSeconds: null,
      businessHours: { timeZone: 'America/New_York', holidays: ['2026-12-25'] },
    });

    const { slaPolicies } = await t.client.ok(SlaPoliciesDocument, {}, agent.token);
    expect(slaPolicies.map((p) => p.id)).toContain(created.id);
    expect(errorCodes(await t.client.execute(SlaPoliciesDocument, {}, channel.token))).toEqual(['FORBIDDEN']);
    expect((await t.client.ok(SlaPolicyNodeDocument, { id: created.id }, agent.token)).node).toMatchObject({
      id: created.id,
      name: 'VIP',
    });
    expect((await t.client.ok(SlaPolicyNodeDocument, { id: created.id }, channel.token)).node).toBeNull();

    const { updateSlaPolicy } = await t.client.ok(
      UpdateSlaPolicyDocument,
      { id: created.id, input: { name: 'VIP 24/7', businessHours: null, resolutionSeconds: 3600 } },
      t.adminToken,
    );
    expect(updateSlaPolicy).toMatchObject({
      name: 'VIP 24/7',
      businessHours: null,
      firstReplySeconds: 900,
      resolutionSeconds: 3600,
      priorities: ['URGENT', 'HIGH'],
    });

    await expectRefused(
      () => t.client.execute(UpdateSlaPolicyDocument, { id: created.id, input: { name: 'x' } }, agent.token),
      'FORBIDDEN',
    );
    const { deleteSlaPolicy } = await t.client.ok(DeleteSlaPolicyDocument, { id: created.id }, t.adminToken);
    expect(deleteSlaPolicy).toBe(created.id);
    const after = await t.client.ok(SlaPoliciesDocument, {}, t.adminToken);
    expect(after.slaPolicies.map((p) => p.id)).not.toContain(created.id);
  });

  it('refuses bad input with BAD_USER_INPUT naming the field, and changes nothing', async () => {
    const hours = {
      timeZone: 'Asia/Seoul',
      weekly: [{ day: 'MONDAY' as const, start: '09:00', end: '18:00' }],
    };
    const create = (input: CreateSlaPolicyInput) => () =>
      t.client.execute(CreateSlaPolicyDocument, { input }, t.adminToken);
    const base = { name: 'Refused', firstReplySeconds: 60 };
    await expectRefused(
      create({ ...base, firstReplySeconds: -60 }),
      'BAD_USER_INPUT',
      'input.firstReplySeconds',
    );
    await expectRefused(
      create({ ...base, resolutionSeconds: 0 }),
      'BAD_USER_INPUT',
      'input.resolutionSeconds',
    );
    await expectRefused(create({ ...base, position: -1 }), 'BAD_USER_INPUT', 'input.position');
    await expectRefused(create({ name: 'No target' }), 'BAD_USER_INPUT', 'input.firstReplySeconds');
    await expectRefused(
      create({ ...base, businessHours: { ...hours, timeZone: 'Asia/Atlantis' } }),
      'BAD_USER_INPUT',
      'input.businessHours.timeZone',
    );
    await expectRefused(
      create({
        ...base,
        businessHours: {
          ...hours,
          weekly: [...hours.weekly, { day: 'TUESDAY', start: '09:00', end: '25:00' }],
        },
      }),
      'BAD_USER_INPUT',
      'input.businessHours.weekly[1].end',
    );
    await expectRefused(
      create({
        ...base,
        businessHours: { ...hours, weekly: [{ day: 'TUESDAY', start: '18:00', end: '09:00' }] },
      }),
      'BAD_USER_INPUT',
      'input.businessHours.weekly[0].end',
    );
    await expectRefused(
      create({ ...base, businessHours: { ...hours, holidays: ['2026-02-30'] } }),
      'BAD_USER_INPUT',
      'input.businessHours.holidays[0]',
    );
    await expectRefused(
      create({ ...base, businessHours: { ...hours, weekly: [] } }),
      'BAD_USER_INPUT',
      'input.businessHours.weekly',
    );
    await expectRefused(
      create({ ...base, channelIds: ['00000000-0000-4000-8000-000000000000'] }),
      'BAD_USER_INPUT',
      'input.channelIds[0]',
    );
    await expectRefused(create({ ...base, channelIds: ['web'] }), 'BAD_USER_INPUT', 'input.channelIds[0]');

    const policy = await createPolicy(t, {
      ...base,
      channelIds: [(await createChannel(t, 'SOCIAL_MESSAGING')).id],
    });
    const update =
      (input: UpdateSlaPolicyInput, id = policy.id) =>
      () =>
        t.client.execute(UpdateSlaPolicyDocument, { id, input }, t.adminToken);
    await expectRefused(update({ nextReplySeconds: -1 }), 'BAD_USER_INPUT', 'input.nextReplySeconds');
    await expectRefused(update({ name: null }), 'BAD_USER_INPUT', 'input.name');
    await expectRefused(update({ firstReplySeconds: null }), 'BAD_USER_INPUT', 'input.firstReplySeconds');
    await expectRefused(update({ name: 'x' }, '00000000-0000-4000-8000-000000000000'), 'NOT_FOUND');
    await expectRefused(update({ name: 'x' }, 'not-an-id'), 'NOT_FOUND');
    await expectRefused(
      () =>
        t.client.execute(
          DeleteSlaPolicyDocument,
          { id: '00000000-0000-4000-8000-000000000000' },
          t.adminToken,
        ),
      'NOT_FOUND',
    );
    await t.client.ok(DeleteSlaPolicyDocument, { id: policy.id }, t.adminToken);
  });
});

describe('due times on the ticket', () => {
  it('first reply, next reply and resolution follow the messages and the solve; notes answer nothing', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const agent = await createAgent(t, { capacity: 10 });
    const policy = await createPolicy(t, {
      name: 'Plain hours',
      channelIds: [channel.id],
      firstReplySeconds: 10 * MINUTE,
      nextReplySeconds: 30 * MINUTE,
      resolutionSeconds: 24 * 3600,
    });
    const { ticket } = await receive(t, channel, 'due-times', 'hello');
    const created = ticket.createdAt;
    expect((await sla(t, ticket.id)).sla).toStrictEqual({
      policy: { id: policy.id, name: 'Plain hours' },
      firstReplyDueAt: plus(created, 600),
      nextReplyDueAt: null,
      resolutionDueAt: plus(created, 86_400),
      breached: [],
    });
    await assign(t, ticket.id, agent.id);

    t.clock.advance(60);
    await t.client.ok(
      SendNoteDocument,
      { ticketId: ticket.id, body: 'checking', internal: true },
      agent.token,
    );
    expect((await sla(t, ticket.id)).sla?.firstReplyDueAt).toBe(plus(created, 600));
    await t.client.ok(SendMessageDocument, { ticketId: ticket.id, body: 'on it' }, agent.token);
    expect((await sla(t, ticket.id)).sla).toMatchObject({ firstReplyDueAt: null, nextReplyDueAt: null });

    const asked = t.clock.advance(60).toISOString();
    await receive(t, channel, 'due-times', 'and another thing');
    t.clock.advance(60);
    await receive(t, channel, 'due-times', 'hello?');
    expect((await sla(t, ticket.id)).sla).toMatchObject({
      firstReplyDueAt: null,
      nextReplyDueAt: plus(asked, 1800),
      resolutionDueAt: plus(created, 86_400),
    });
    await t.client.ok(SendMessageDocument, { ticketId: ticket.id, body: 'done' }, agent.token);
    expect((await sla(t, ticket.id)).sla?.nextReplyDueAt).toBeNull();

    await t.client.ok(UpdateTicketStatusDocument, { ticketId: ticket.id, status: 'SOLVED' }, agent.token);
    expect((await sla(t, ticket.id)).sla).toMatchObject({
      firstReplyDueAt: null,
      nextReplyDueAt: null,
      resolutionDueAt: null,
      breached: [],
    });
    // An integration does not see SLAs.
    const seen = await t.client.ok(TicketSlaDocument, { id: ticket.id }, channel.token);
    expect(seen.ticket?.sla).toBeNull();
    await t.client.ok(DeleteSlaPolicyDocument, { id: policy.id }, t.adminToken);
  });

  it('the first policy by position that takes the ticket applies; none: no SLA', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const urgent = await createPolicy(t, {
      name: 'Urgent',
      position: 1,
      priorities: ['URGENT'],
      channelIds: [channel.id],
      firstReplySeconds: 60,
    });
    const rest = await createPolicy(t, {
      name: 'Rest',
      position: 2,
      channelIds: [channel.id],
      firstReplySeconds: 3600,
    });
    const a = await receive(t, channel, 'match-urgent', 'help', { priority: 'URGENT' });
    const b = await receive(t, channel, 'match-low', 'help', { priority: 'LOW' });
    expect((await sla(t, a.ticket.id)).sla?.policy.id).toBe(urgent.id);
    expect((await sla(t, b.ticket.id)).sla?.policy.id).toBe(rest.id);
    const other = await createChannel(t, 'SOCIAL_MESSAGING');
    expect((await sla(t, (await receive(t, other, 'match-none', 'help')).ticket.id)).sla).toBeNull();

    // A new priority picks the policy afresh; its targets run from the same starts.
    t.clock.advance(30);
    await t.client.ok(
      UpdateTicketDocument,
      { ticketId: b.ticket.id, input: { priority: 'URGENT' } },
      t.adminToken,
    );
    expect((await sla(t, b.ticket.id)).sla).toMatchObject({
      policy: { id: urgent.id },
      firstReplyDueAt: plus(b.ticket.createdAt, 60),
    });
    await t.client.ok(
      UpdateTicketDocument,
      { ticketId: b.ticket.id, input: { priority: 'LOW' } },
      t.adminToken,
    );
    expect((await sla(t, b.ticket.id)).sla).toMatchObject({
      policy: { id: rest.id },
      firstReplyDueAt: plus(b.ticket.createdAt, 3600),
    });
    for (const p of [urgent, rest]) await t.client.ok(DeleteSlaPolicyDocument, { id: p.id }, t.adminToken);
    expect((await sla(t, a.ticket.id)).sla).toBeNull();
  });

  it("counts business hours in the policy's zone: Friday 16:00 in New York + 2 h is Monday 10:00 EDT", async () => {
    // The weekend on which New York springs forward: Monday is UTC−4, Friday was UTC−5.
    t.clock.set('2026-03-06T21:00:00.000Z');
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const policy = await createPolicy(t, {
      name: 'New York office',
      channelIds: [channel.id],
      firstReplySeconds: 2 * 3600,
      businessHours: {
        timeZone: 'America/New_York',
        weekly: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'].map((day) => ({
          day: day as 'MONDAY',
          start: '09:00',
          end: '17:00',
        })),
      },
    });
    const { ticket } = await receive(t, channel, 'office-hours', 'hi');
    expect((await sla(t, ticket.id)).sla?.firstReplyDueAt).toBe('2026-03-09T14:00:00.000Z');
    await t.client.ok(DeleteSlaPolicyDocument, { id: policy.id }, t.adminToken);
  });
});

describe('breaches', () => {
  it('the job records one SLA_BREACHED at the due time; breached stays; slaBreached counts until solved', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const agent = await createAgent(t, { capacity: 10 });
    const policy = await createPolicy(t, { name: 'Fast', channelIds: [channel.id], firstReplySeconds: 2 });
    const { ticket } = await receive(t, channel, 'job-breach', 'quick!');
    expect(await breachedInQueue(channel.id)).toBe(0);

    // The job is due 2 s from now by both clocks (the scheduler keeps the delay in wall time).
    t.clock.advance(2);
    const breached = await eventually(
      () => sla(t, ticket.id),
      (s) => (s.sla?.breached.length ?? 0) > 0,
    );
    expect(breached.sla).toMatchObject({ breached: ['FIRST_REPLY'], firstReplyDueAt: expect.any(String) });
    expect(await breachEvents(t, ticket.id)).toBe(1);
    // Run again, as a duplicate job or the sweep would: nothing more.
    expect(await t.app.services.sla.checkDue(ticket.id)).toBe(false);
    expect(await t.app.services.sla.breachOverdue()).toBe(0);
    expect(await breachEvents(t, ticket.id)).toBe(1);
    expect(await breachedInQueue(channel.id)).toBe(1);
    const { ticketStats } = await t.client.ok(
      TicketStatsDocument,
      { input: { from: plus(ticket.createdAt, -60), to: plus(ticket.createdAt, 60), channelId: channel.id } },
      t.adminToken,
    );
    expect(ticketStats).toMatchObject([{ created: 1, slaBreached: 1 }]);

    await assign(t, ticket.id, agent.id);
    await t.client.ok(SendMessageDocument, { ticketId: ticket.id, body: 'sorry for the wait' }, agent.token);
    expect((await sla(t, ticket.id)).sla).toMatchObject({ firstReplyDueAt: null, breached: ['FIRST_REPLY'] });
    await t.client.ok(UpdateTicketStatusDocument, { ticketId: ticket.id, status: 'SOLVED' }, agent.token);
    expect(await breachedInQueue(channel.id)).toBe(0);
    await t.client.ok(DeleteSlaPolicyDocument, { id: policy.id }, t.adminToken);
  });

  it('a met target is never breached', async () => {
    const channel = await createChannel(t, 'SOCIAL_MESSAGING');
    const agent = await createAgent(t, { capacity: 10 });
    const policy = await createPolicy(t, { name: 'Met', channelIds: [channel.id], firstReplySeconds: 600 });
    const { ticket } = await receive(t, channel, 'met', 'hi');
    await assign(t, ticket.id, agent.id);
    await t.client.ok(SendMessageDocument, { ticketId: ticket.id, body: 'hello!' }, agent.token);
    t.clock.advance(3600);
    expect(await t.app.services.sla.checkDue(ticket.id)).toBe(false);
    expect(await t.app.services.sla.breachOverdue()).toBe(0);
    expect((await sla(t, ticket.id)).sla?.breached).toEqual([]);
    await t.client.ok(DeleteSlaPolicyDocument, { id: policy.id }, t.adminToken);
  });
});

describe('exactly once across processes and restarts', () => {
  it('two processes sweeping at once record one breach per target; a process started after the due time catches it', async () => {
    const options = { scheduler: { processEveryMs: 100, sweepEveryMs: 3_600_000 } };
    const a = await startTestApp(options);
    const running = new Set<TestApp>([a]);
    const stop = async (app: TestApp) => {
      if (running.delete(app)) await app.app.stop();
    };
    try {
      const b = await startTestApp({ ...options, db: a.db, clock: a.clock });
      running.add(b);
      const channel = await createChannel(a, 'SOCIAL_MESSAGING');
      await createPolicy(a, {
        name: 'Hourly',
        channelIds: [channel.id],
        firstReplySeconds: 3600,
        resolutionSeconds: 3600,
      });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await receive(i % 2 ? a : b, channel, `twice-${i}`, 'hi')).ticket.id);
      a.clock.advance(3600);
      await Promise.all([
        a.app.services.sla.breachOverdue(),
        b.app.services.sla.breachOverdue(),
        ...ids.map((id) => a.app.services.sla.checkDue(id)),
        ...ids.map((id) => b.app.services.sla.checkDue(id)),
      ]);
      for (const id of ids) {
        expect(await breachEvents(a, id)).toBe(2);
        expect((await sla(a, id)).sla?.breached).toEqual(['FIRST_REPLY', 'RESOLUTION']);
      }

      // A ticket due while no process runs: the next process's sweep at start records it, once.
      const late = (await receive(b, channel, 'late', 'anyone?')).ticket.id;
      await stop(b);
      await stop(a);
      a.clock.advance(3600);
      const c = await startTestApp({ ...options, db: a.db, clock: a.clock });
      running.add(c);
      const caught = await eventually(
        () => sla(c, late),
        (s) => (s.sla?.breached.length ?? 0) === 2,
      );
      expect(caught.sla?.breached).toEqual(['FIRST_REPLY', 'RESOLUTION']);
      expect(await c.app.services.sla.breachOverdue()).toBe(0);
      expect(await breachEvents(c, late)).toBe(2);
    } finally {
      for (const app of [...running].reverse()) await stop(app);
      await a.db.drop();
    }
  });
});
