import { LocalFanOut } from '../../events/ticket-event.bus';
import { createLogger } from '../../observability/logger';
import type { AutomationScheduler } from '../scheduler.port';
import { AfterCommit, type AfterCommitEffect } from './after-commit';

const AT = new Date('2026-01-05T10:00:00.000Z');
const SOLVED_AT = new Date('2026-01-01T10:00:00.000Z');

/** A scheduler that writes down what it is asked, and refuses what `failing` names. */
function recordingScheduler(failing: ReadonlySet<string> = new Set()) {
  const asked: string[] = [];
  const record = async (what: string): Promise<void> => {
    asked.push(what);
    if (failing.has(what.split(' ')[0]!)) throw new Error(`${what} refused`);
  };
  const scheduler: AutomationScheduler = {
    scheduleClose: (ticketId, solvedAt, at) =>
      record(`close ${ticketId} ${solvedAt.toISOString()} ${at.toISOString()}`),
    cancelClose: (ticketId) => record(`cancel ${ticketId}`),
    scheduleOfferExpiry: (ticketId, agentId, at) =>
      record(`expiry ${ticketId} ${agentId} ${at.toISOString()}`),
    scheduleSlaCheck: (ticketId, at) => record(`sla ${ticketId} ${at.toISOString()}`),
    scheduleAgentAway: (agentId, at) => record(`away ${agentId} ${at.toISOString()}`),
    scheduleOfflineReturn: (agentId, at) => record(`return ${agentId} ${at.toISOString()}`),
  };
  return { scheduler, asked };
}

function setUp(failing?: ReadonlySet<string>, routeFails = false) {
  const { scheduler, asked } = recordingScheduler(failing);
  const bus = new LocalFanOut();
  const logger = createLogger('silent');
  const logged: string[] = [];
  logger.error = ((_obj: unknown, msg: string) => void logged.push(msg)) as typeof logger.error;
  let runs = 0;
  const routing = {
    routeQueue: async (): Promise<void> => {
      runs++;
      if (routeFails) throw new Error('routing failed');
    },
  };
  const afterCommit = new AfterCommit(scheduler, bus, () => routing, logger);
  return { afterCommit, asked, logged, bus, runs: () => runs };
}

describe('AfterCommit: the one step after a change commits', () => {
  it('hands each scheduling effect to the scheduler, in order', async () => {
    const { afterCommit, asked, runs } = setUp();
    const routed = await afterCommit.run([
      { type: 'CANCEL_SCHEDULED_CLOSE', ticketId: 't1' },
      { type: 'SCHEDULE_CLOSE', ticketId: 't2', solvedAt: SOLVED_AT, at: AT },
      { type: 'SCHEDULE_OFFER_EXPIRY', ticketId: 't3', agentId: 'a1', at: AT },
    ]);
    expect(asked).toStrictEqual([
      'cancel t1',
      `close t2 ${SOLVED_AT.toISOString()} ${AT.toISOString()}`,
      `expiry t3 a1 ${AT.toISOString()}`,
    ]);
    expect(routed).toBe(false);
    expect(runs()).toBe(0);
  });

  it("hands presence's checks to the scheduler, by agent", async () => {
    const { afterCommit, asked } = setUp();
    await afterCommit.run([
      { type: 'SCHEDULE_AGENT_AWAY', agentId: 'a1', at: AT },
      { type: 'SCHEDULE_OFFLINE_RETURN', agentId: 'a2', at: AT },
    ]);
    expect(asked).toStrictEqual([`away a1 ${AT.toISOString()}`, `return a2 ${AT.toISOString()}`]);
  });

  it('hands an SLA check to the scheduler, by ticket', async () => {
    const { afterCommit, asked } = setUp();
    await afterCommit.run([{ type: 'SCHEDULE_SLA_CHECK', ticketId: 't4', at: AT }]);
    expect(asked).toStrictEqual([`sla t4 ${AT.toISOString()}`]);
  });

  it('runs routing once for any number of ROUTE effects, after the scheduling', async () => {
    const { afterCommit, asked, runs } = setUp();
    const effects: AfterCommitEffect[] = [
      { type: 'ROUTE' },
      { type: 'SCHEDULE_OFFER_EXPIRY', ticketId: 't1', agentId: 'a1', at: AT },
      { type: 'ROUTE' },
    ];
    expect(await afterCommit.run(effects)).toBe(true);
    expect(runs()).toBe(1);
    expect(asked).toHaveLength(1);
  });

  it('a scheduler that fails is logged and the rest still happens (the sweep catches the lost one)', async () => {
    const { afterCommit, asked, logged, runs } = setUp(new Set(['close']));
    const routed = await afterCommit.run([
      { type: 'SCHEDULE_CLOSE', ticketId: 't1', solvedAt: SOLVED_AT, at: AT },
      { type: 'CANCEL_SCHEDULED_CLOSE', ticketId: 't2' },
      { type: 'ROUTE' },
    ]);
    expect(asked).toStrictEqual([`close t1 ${SOLVED_AT.toISOString()} ${AT.toISOString()}`, 'cancel t2']);
    expect(logged).toStrictEqual(['could not schedule a close; the sweep will catch it']);
    expect(routed).toBe(true);
    expect(runs()).toBe(1);
  });

  it('a failed routing run is logged, not thrown: the change it follows is committed', async () => {
    const { afterCommit, logged } = setUp(undefined, true);
    await expect(afterCommit.run([{ type: 'ROUTE' }])).resolves.toBe(true);
    expect(logged).toStrictEqual(['routing run after a change failed; the next trigger routes again']);
  });

  it('announces an agent change on the bus', async () => {
    const { afterCommit, bus } = setUp();
    const changes = bus.agentChanges();
    const next = changes.next();
    await afterCommit.run([{ type: 'AGENT_CHANGED', agentId: 'a1' }]);
    await expect(next).resolves.toStrictEqual({ value: 'a1', done: false });
    await changes.return?.();
  });

  it('refuses an effect it does not know (the type system makes this unreachable)', async () => {
    const { afterCommit } = setUp();
    const unknown = { type: 'SOMETHING_NEW' } as unknown as AfterCommitEffect;
    await expect(afterCommit.run([unknown])).rejects.toThrow('after-commit effect not handled');
  });
});
