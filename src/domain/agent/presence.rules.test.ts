import { AgentStatus } from './agent.rules';
import { awayDueAt, isAwayDue, isReassignDue, reassignDueAt, type PresenceFacts } from './presence.rules';

const T = (clock: string) => new Date(`2026-03-01T${clock}Z`);

const online = (over: Partial<PresenceFacts> = {}): PresenceFacts => ({
  status: AgentStatus.ONLINE,
  statusSince: T('08:00:00'),
  disconnectedAt: T('09:00:00'),
  connections: 0,
  ...over,
});

describe('awayDueAt', () => {
  it.each<[string, PresenceFacts, number | null, string | null]>([
    ['from the last disconnect', online(), 60, '09:01:00'],
    ['at once with 0 seconds', online(), 0, '09:00:00'],
    ['never when the setting is null', online(), null, null],
    ['not while a socket is open anywhere', online({ connections: 1 }), 60, null],
    ['not for an agent that never had a socket', online({ disconnectedAt: null }), 60, null],
    ['not for an AWAY agent', online({ status: AgentStatus.AWAY }), 60, null],
    ['not for an OFFLINE agent', online({ status: AgentStatus.OFFLINE }), 60, null],
    [
      'from going ONLINE when that came after the disconnect',
      online({ statusSince: T('09:30:00') }),
      60,
      '09:31:00',
    ],
    ['from the disconnect when the status is not known', online({ statusSince: null }), 60, '09:01:00'],
  ])('%s', (_name, facts, seconds, expected) => {
    expect(awayDueAt(facts, seconds)).toEqual(expected === null ? null : T(expected));
  });
});

describe('isAwayDue', () => {
  it.each<[string, string, boolean]>([
    ['a second before', '09:00:59', false],
    ['at the due time', '09:01:00', true],
    ['after it', '10:00:00', true],
  ])('%s', (_name, now, due) => {
    expect(isAwayDue(online(), 60, T(now))).toBe(due);
  });

  it('a reconnect in time is not due, however late the check', () => {
    expect(isAwayDue(online({ connections: 1 }), 60, T('12:00:00'))).toBe(false);
  });
});

describe('reassignDueAt and isReassignDue', () => {
  const offline = { status: AgentStatus.OFFLINE, statusSince: T('09:00:00') };
  it.each<[string, Pick<PresenceFacts, 'status' | 'statusSince'>, number | null, string | null]>([
    ['from going OFFLINE', offline, 3_600, '10:00:00'],
    ['at once with 0 seconds', offline, 0, '09:00:00'],
    ['never when the setting is null', offline, null, null],
    ['not for an ONLINE agent', { ...offline, status: AgentStatus.ONLINE }, 3_600, null],
    ['not for an AWAY agent', { ...offline, status: AgentStatus.AWAY }, 3_600, null],
    ['not when it is not known since when', { ...offline, statusSince: null }, 3_600, null],
  ])('%s', (_name, facts, seconds, expected) => {
    expect(reassignDueAt(facts, seconds)).toEqual(expected === null ? null : T(expected));
  });

  it.each<[string, string, boolean]>([
    ['before the due time', '09:59:59', false],
    ['at it', '10:00:00', true],
  ])('%s', (_name, now, due) => {
    expect(isReassignDue(offline, 3_600, T(now))).toBe(due);
  });

  it('going OFFLINE again restarts the wait', () => {
    expect(isReassignDue({ ...offline, statusSince: T('09:45:00') }, 3_600, T('10:00:00'))).toBe(false);
  });
});
