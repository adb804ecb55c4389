import { AuthorType, TicketChangeKind, TicketPriority, TicketStatus } from '../ticket/ticket.enums';
import { Weekday } from './business-time';
import {
  affectsSla,
  dueBreaches,
  foldReplyOwed,
  matchPolicy,
  nextSlaCheck,
  NO_DUE_TIMES,
  type SlaClockEvent,
  type SlaFacts,
  type SlaPolicyData,
  slaDueTimes,
  SlaTarget,
} from './sla.rules';

const at = (iso: string) => new Date(iso);
const WEB = 'aaaaaaaa-0000-4000-8000-000000000001';
const SMS = 'aaaaaaaa-0000-4000-8000-000000000002';

function policy(id: string, over: Partial<SlaPolicyData> = {}): SlaPolicyData {
  return {
    id,
    name: id,
    position: 0,
    priorities: [],
    channelIds: [],
    firstReplySeconds: 600,
    nextReplySeconds: 1800,
    resolutionSeconds: 86_400,
    businessHours: null,
    createdAt: at('2026-01-01T00:00:00Z'),
    ...over,
  };
}

describe('matchPolicy', () => {
  const urgentWeb = policy('urgent-web', {
    position: 1,
    priorities: [TicketPriority.URGENT],
    channelIds: [WEB],
  });
  const urgent = policy('urgent', { position: 2, priorities: [TicketPriority.URGENT] });
  const anything = policy('anything', { position: 5 });
  const olderTie = policy('z-older', { position: 5, createdAt: at('2025-12-01T00:00:00Z') });
  const policies = [anything, urgent, urgentWeb];

  it.each<[string, readonly SlaPolicyData[], TicketPriority, string, string | null]>([
    ['the first by position that matches both', policies, TicketPriority.URGENT, WEB, 'urgent-web'],
    ['another channel: the next that matches', policies, TicketPriority.URGENT, SMS, 'urgent'],
    ['empty lists match anything', policies, TicketPriority.LOW, SMS, 'anything'],
    ['none match', [urgentWeb, urgent], TicketPriority.NORMAL, WEB, null],
    ['no policies', [], TicketPriority.NORMAL, WEB, null],
    ['same position: the older first', [anything, olderTie], TicketPriority.LOW, WEB, 'z-older'],
  ])('%s', (_name, list, priority, channelId, expected) => {
    expect(matchPolicy(list, { priority, channelId })?.id ?? null).toBe(expected);
  });
});

describe('foldReplyOwed', () => {
  const T0 = at('2026-03-02T10:00:00Z');
  const T1 = at('2026-03-02T10:05:00Z');
  const message = (authorType: AuthorType, internal = false): SlaClockEvent => ({
    kind: TicketChangeKind.MESSAGE_ADDED,
    at: T1,
    authorType,
    internal,
  });
  it.each<[string, Date | null, SlaClockEvent, Date | null]>([
    ["an end user's message starts the wait", null, message(AuthorType.END_USER), T1],
    ['a second one keeps the first start', T0, message(AuthorType.END_USER), T0],
    ["an agent's public message answers", T0, message(AuthorType.AGENT), null],
    ['an internal note answers nothing', T0, message(AuthorType.AGENT, true), T0],
    ['a system message answers nothing', T0, message(AuthorType.SYSTEM), T0],
    [
      'a solve owes nothing more',
      T0,
      { kind: TicketChangeKind.STATUS_CHANGED, at: T1, toStatus: TicketStatus.SOLVED },
      null,
    ],
    [
      'PENDING still owes',
      T0,
      { kind: TicketChangeKind.STATUS_CHANGED, at: T1, toStatus: TicketStatus.PENDING },
      T0,
    ],
    ['an assignment changes nothing', T0, { kind: TicketChangeKind.ASSIGNED, at: T1 }, T0],
  ])('%s', (_name, owed, event, expected) => {
    expect(foldReplyOwed(owed, event)).toStrictEqual(expected);
  });
});

describe('affectsSla', () => {
  it.each<[string, TicketStatus, TicketStatus, boolean]>([
    ['a solve', TicketStatus.OPEN, TicketStatus.SOLVED, true],
    ['a reopen by an agent', TicketStatus.SOLVED, TicketStatus.OPEN, true],
    ['a close', TicketStatus.SOLVED, TicketStatus.CLOSED, true],
    ['an assignment', TicketStatus.NEW, TicketStatus.OPEN, false],
    ['a move to PENDING', TicketStatus.OPEN, TicketStatus.PENDING, false],
  ])('a status change: %s → %j', (_name, fromStatus, toStatus, expected) => {
    expect(affectsSla({ kind: TicketChangeKind.STATUS_CHANGED, fromStatus, toStatus })).toBe(expected);
  });

  it.each<[TicketChangeKind, boolean | undefined, boolean]>([
    [TicketChangeKind.CREATED, undefined, true],
    [TicketChangeKind.MESSAGE_ADDED, false, true],
    [TicketChangeKind.MESSAGE_ADDED, true, false],
    [TicketChangeKind.REOPENED, undefined, true],
    [TicketChangeKind.OFFERED, undefined, false],
    [TicketChangeKind.ASSIGNED, undefined, false],
    [TicketChangeKind.MESSAGE_UPDATED, undefined, false],
    [TicketChangeKind.TRANSFERRED, undefined, false],
    [TicketChangeKind.TICKET_UPDATED, undefined, true],
    [TicketChangeKind.SLA_BREACHED, undefined, false],
  ])('%s (internal %j) → %j', (kind, internal, expected) => {
    expect(affectsSla({ kind, internal })).toBe(expected);
  });
});

describe('slaDueTimes', () => {
  const created = at('2026-03-02T14:00:00Z'); // Monday 09:00 in New York
  const open: SlaFacts = {
    status: TicketStatus.OPEN,
    createdAt: created,
    firstEndUserMessageAt: created,
    firstAgentReplyAt: null,
    replyOwedSince: created,
  };
  const office = policy('office', {
    businessHours: {
      timeZone: 'America/New_York',
      weekly: [Weekday.MONDAY, Weekday.TUESDAY].map((day) => ({ day, start: '09:00', end: '17:00' })),
      holidays: [],
    },
  });

  it.each<[string, SlaPolicyData | null, SlaFacts, Record<string, string | null>]>([
    [
      'a new ticket: first reply and resolution run',
      policy('p'),
      open,
      { first: '2026-03-02T14:10:00.000Z', next: null, resolution: '2026-03-03T14:00:00.000Z' },
    ],
    [
      'in business hours (Monday and Tuesday): 24 hours of resolution end at the next Monday’s close',
      office,
      open,
      { first: '2026-03-02T14:10:00.000Z', next: null, resolution: '2026-03-09T21:00:00.000Z' },
    ],
    [
      'after the first reply, with nothing owed',
      policy('p'),
      { ...open, firstAgentReplyAt: at('2026-03-02T14:05:00Z'), replyOwedSince: null },
      { first: null, next: null, resolution: '2026-03-03T14:00:00.000Z' },
    ],
    [
      'a reply owed after the first reply: next reply runs from that message',
      policy('p'),
      { ...open, firstAgentReplyAt: at('2026-03-02T14:05:00Z'), replyOwedSince: at('2026-03-02T15:00:00Z') },
      { first: null, next: '2026-03-02T15:30:00.000Z', resolution: '2026-03-03T14:00:00.000Z' },
    ],
    [
      'SOLVED: nothing runs',
      policy('p'),
      { ...open, status: TicketStatus.SOLVED },
      { first: null, next: null, resolution: null },
    ],
    [
      'CLOSED: nothing runs',
      policy('p'),
      { ...open, status: TicketStatus.CLOSED },
      { first: null, next: null, resolution: null },
    ],
    [
      'a target the policy does not set does not run',
      policy('p', { firstReplySeconds: null, resolutionSeconds: null }),
      open,
      { first: null, next: null, resolution: null },
    ],
    ['no policy', null, open, { first: null, next: null, resolution: null }],
  ])('%s', (_name, p, facts, expected) => {
    const due = slaDueTimes(p, facts);
    expect({
      first: due.firstReplyDueAt?.toISOString() ?? null,
      next: due.nextReplyDueAt?.toISOString() ?? null,
      resolution: due.resolutionDueAt?.toISOString() ?? null,
    }).toStrictEqual(expected);
  });
});

describe('nextSlaCheck and dueBreaches', () => {
  const due = {
    firstReplyDueAt: at('2026-03-02T10:10:00Z'),
    nextReplyDueAt: null,
    resolutionDueAt: at('2026-03-03T10:00:00Z'),
  };
  it.each<[string, SlaTarget[], string, string | null, SlaTarget[]]>([
    ['before anything is due', [], '2026-03-02T10:00:00Z', '2026-03-02T10:10:00.000Z', []],
    [
      'at the first due time',
      [],
      '2026-03-02T10:10:00Z',
      '2026-03-02T10:10:00.000Z',
      [SlaTarget.FIRST_REPLY],
    ],
    [
      'first reply breached: resolution is next',
      [SlaTarget.FIRST_REPLY],
      '2026-03-02T12:00:00Z',
      '2026-03-03T10:00:00.000Z',
      [],
    ],
    [
      'both missed at once',
      [],
      '2026-03-04T00:00:00Z',
      '2026-03-02T10:10:00.000Z',
      [SlaTarget.FIRST_REPLY, SlaTarget.RESOLUTION],
    ],
    [
      'all breached: nothing left',
      [SlaTarget.FIRST_REPLY, SlaTarget.RESOLUTION],
      '2026-03-04T00:00:00Z',
      null,
      [],
    ],
  ])('%s', (_name, breached, now, next, missed) => {
    expect(nextSlaCheck(due, breached)?.toISOString() ?? null).toBe(next);
    expect(dueBreaches(due, breached, at(now))).toStrictEqual(missed);
  });

  it('nothing runs: nothing to check', () => {
    expect(nextSlaCheck(NO_DUE_TIMES, [])).toBeNull();
    expect(dueBreaches(NO_DUE_TIMES, [], at('2030-01-01T00:00:00Z'))).toStrictEqual([]);
  });
});
