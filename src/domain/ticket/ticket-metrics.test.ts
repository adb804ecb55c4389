import {
  foldMetrics,
  initialMetrics,
  type MetricsEvent,
  type MetricsState,
  metricsAt,
  type TicketMetrics,
} from './ticket-metrics';
import { AuthorType, TicketChangeKind as Kind, TicketStatus } from './ticket.enums';

const { NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED } = TicketStatus;

const DAY = '2024-03-01';
/** Times of day on 2024-03-01 (UTC), so the arithmetic below can be checked by eye. */
const t = (hhmmss: string): Date => new Date(`${DAY}T${hhmmss}.000Z`);

const CREATED_AT = t('09:00:00');

const message = (at: string, authorType: AuthorType): MetricsEvent => ({
  kind: Kind.MESSAGE_ADDED,
  at: t(at),
  authorType,
});
const status = (at: string, toStatus: TicketStatus): MetricsEvent => ({
  kind: Kind.STATUS_CHANGED,
  at: t(at),
  toStatus,
});
const assigned = (at: string, agentId: string | null): MetricsEvent => ({
  kind: Kind.ASSIGNED,
  at: t(at),
  agentId,
});
const reopened = (at: string): MetricsEvent => ({ kind: Kind.REOPENED, at: t(at) });
const other = (at: string, kind: Kind, agentId?: string): MetricsEvent => ({ kind, at: t(at), agentId });

/** Folds with frozen inputs, so a fold that mutated its state would throw. */
function fold(events: readonly MetricsEvent[], createdAt: Date = CREATED_AT): MetricsState {
  return events.reduce<MetricsState>(
    (state, event) => foldMetrics(Object.freeze(state), Object.freeze(event)),
    initialMetrics(createdAt),
  );
}

/**
 * One social-messaging conversation, two agents, two reopens. Running totals in the comments:
 * handle = seconds spent OPEN in intervals that have ended.
 */
const SCRIPT: readonly MetricsEvent[] = [
  /*  0 */ other('09:00:00', Kind.CREATED),
  /*  1 */ message('09:00:00', AuthorType.END_USER), // first end-user message
  /*  2 */ other('09:00:05', Kind.OFFERED, 'agent-1'),
  /*  3 */ assigned('09:00:20', 'agent-1'), // assignments 1
  /*  4 */ status('09:00:20', OPEN), // open since 09:00:20
  /*  5 */ message('09:01:00', AuthorType.END_USER),
  /*  6 */ message('09:01:30', AuthorType.SYSTEM), // not an agent reply
  /*  7 */ message('09:02:30', AuthorType.AGENT), // first reply: 09:00:00 → 09:02:30 = 150 s
  /*  8 */ message('09:05:00', AuthorType.AGENT),
  /*  9 */ status('09:10:20', PENDING), // handle 600 (09:00:20 → 09:10:20)
  /* 10 */ message('09:30:00', AuthorType.END_USER),
  /* 11 */ status('09:30:00', OPEN), // open since 09:30:00
  /* 12 */ status('09:45:00', SOLVED), // handle 600 + 900 = 1500; solved 45 min after creation = 2700 s
  /* 13 */ message('10:15:00', AuthorType.END_USER),
  /* 14 */ reopened('10:15:00'), // reopens 1
  /* 15 */ status('10:15:00', OPEN), // open since 10:15:00
  /* 16 */ assigned('10:20:00', null), // unassign: not an assignment
  /* 17 */ status('10:20:00', NEW), // handle 1500 + 300 = 1800
  /* 18 */ other('10:20:10', Kind.OFFERED, 'agent-2'),
  /* 19 */ other('10:20:25', Kind.OFFER_DECLINED, 'agent-2'),
  /* 20 */ assigned('10:20:40', 'agent-2'), // assignments 2
  /* 21 */ status('10:20:40', OPEN), // open since 10:20:40
  /* 22 */ status('10:30:40', ON_HOLD), // handle 1800 + 600 = 2400
  /* 23 */ status('11:00:00', OPEN), // open since 11:00:00
  /* 24 */ status('11:20:00', SOLVED), // handle 2400 + 1200 = 3600; last solve 2 h 20 min after creation = 8400 s
  /* 25 */ message('11:50:00', AuthorType.END_USER),
  /* 26 */ reopened('11:50:00'), // reopens 2
  /* 27 */ status('11:50:00', OPEN), // open since 11:50:00
  /* 28 */ message('11:55:00', AuthorType.AGENT),
  /* 29 */ status('12:10:00', SOLVED), // handle 3600 + 1200 = 4800; last solve 3 h 10 min = 11400 s
  /* 30 */ status('13:10:00', CLOSED),
];

const figures = (
  firstReplySeconds: number | null,
  fullResolutionSeconds: number | null,
  handleSeconds: number,
  reopenCount: number,
  assignmentCount: number,
): TicketMetrics => ({
  firstReplySeconds,
  fullResolutionSeconds,
  handleSeconds,
  reopenCount,
  assignmentCount,
});

describe('metrics over a scripted conversation (docs/domain.md "Metrics per ticket")', () => {
  it.each<[string, number, Date, TicketMetrics]>([
    ['nothing happened yet', 0, t('09:00:00'), figures(null, null, 0, 0, 0)],
    ['waiting for an agent', 3, t('09:00:15'), figures(null, null, 0, 0, 0)],
    ['assigned, not yet open', 4, t('09:00:30'), figures(null, null, 0, 0, 1)],
    ['open, counting the current interval', 5, t('09:01:00'), figures(null, null, 40, 0, 1)],
    ['a system message is no reply', 7, t('09:02:00'), figures(null, null, 100, 0, 1)],
    ['first reply', 8, t('09:02:30'), figures(150, null, 130, 0, 1)],
    ['a later agent message keeps the first reply', 9, t('09:06:00'), figures(150, null, 340, 0, 1)],
    ['PENDING does not count as handle time', 10, t('09:20:00'), figures(150, null, 600, 0, 1)],
    ['open again after the end user wrote', 12, t('09:40:00'), figures(150, null, 1200, 0, 1)],
    ['first solve', 13, t('10:00:00'), figures(150, 2700, 1500, 0, 1)],
    ['reopened by the end user', 16, t('10:16:00'), figures(150, 2700, 1560, 1, 1)],
    ['unassigned back to NEW', 18, t('10:20:05'), figures(150, 2700, 1800, 1, 1)],
    ['a declined offer is no assignment', 20, t('10:20:30'), figures(150, 2700, 1800, 1, 1)],
    ['open with the second agent', 22, t('10:25:40'), figures(150, 2700, 2100, 1, 2)],
    ['ON_HOLD does not count as handle time', 23, t('10:55:00'), figures(150, 2700, 2400, 1, 2)],
    ['second solve', 25, t('11:30:00'), figures(150, 8400, 3600, 1, 2)],
    ['reopened again: resolution stays at the last solve', 28, t('12:00:00'), figures(150, 8400, 4200, 2, 2)],
    ['third solve', 30, t('12:30:00'), figures(150, 11400, 4800, 2, 2)],
    ['closed, read a day later', 31, new Date('2024-03-02T12:00:00.000Z'), figures(150, 11400, 4800, 2, 2)],
  ])('%s (after %p events, read at %s)', (_label, count, now, expected) => {
    expect(metricsAt(fold(SCRIPT.slice(0, count)), now)).toStrictEqual(expected);
  });

  it('keeps the folded state the service stores on the row', () => {
    expect(fold(SCRIPT)).toStrictEqual({
      createdAt: CREATED_AT,
      firstEndUserMessageAt: t('09:00:00'),
      firstAgentReplyAt: t('09:02:30'),
      lastSolvedAt: t('12:10:00'),
      openSince: null,
      handleMs: 4_800_000,
      reopenCount: 2,
      assignmentCount: 2,
    });
  });
});

describe('initialMetrics', () => {
  it('starts from zero at the creation time', () => {
    expect(initialMetrics(CREATED_AT)).toStrictEqual({
      createdAt: CREATED_AT,
      firstEndUserMessageAt: null,
      firstAgentReplyAt: null,
      lastSolvedAt: null,
      openSince: null,
      handleMs: 0,
      reopenCount: 0,
      assignmentCount: 0,
    });
    expect(metricsAt(initialMetrics(CREATED_AT), t('18:00:00'))).toStrictEqual(figures(null, null, 0, 0, 0));
  });
});

describe('first reply', () => {
  it.each<[string, MetricsEvent[], number | null]>([
    ['no messages', [], null],
    ['only the end user wrote', [message('09:00:00', AuthorType.END_USER)], null],
    [
      'an agent wrote first (outbound): that is no reply, and no end user wrote',
      [message('09:00:10', AuthorType.AGENT)],
      null,
    ],
    [
      'an agent message before the first end-user message is not the reply',
      [
        message('09:00:10', AuthorType.AGENT),
        message('09:05:00', AuthorType.END_USER),
        message('09:06:40', AuthorType.AGENT),
      ],
      100,
    ],
    [
      'measured from the first end-user message, not the latest',
      [
        message('09:01:00', AuthorType.END_USER),
        message('09:03:00', AuthorType.END_USER),
        message('09:04:00', AuthorType.AGENT),
      ],
      180,
    ],
    [
      'system messages are neither question nor answer',
      [
        message('09:00:30', AuthorType.SYSTEM),
        message('09:01:00', AuthorType.END_USER),
        message('09:02:00', AuthorType.SYSTEM),
        message('09:10:00', AuthorType.AGENT),
      ],
      540,
    ],
    [
      'a receipt for an agent\'s message is no reply (docs/domain.md "Delivery receipts")',
      [
        message('09:00:00', AuthorType.AGENT),
        message('09:01:00', AuthorType.END_USER),
        { kind: Kind.MESSAGE_UPDATED, at: t('09:02:00'), authorType: AuthorType.AGENT },
        message('09:05:00', AuthorType.AGENT),
      ],
      240,
    ],
    [
      'a receipt alone is no reply',
      [
        message('09:01:00', AuthorType.END_USER),
        { kind: Kind.MESSAGE_UPDATED, at: t('09:02:00'), authorType: AuthorType.AGENT },
      ],
      null,
    ],
    [
      'an internal note is no reply (docs/domain.md "Internal notes")',
      [
        message('09:01:00', AuthorType.END_USER),
        { ...message('09:02:00', AuthorType.AGENT), internal: true },
        message('09:04:00', AuthorType.AGENT),
      ],
      180,
    ],
    [
      'a note alone is no reply',
      [
        message('09:01:00', AuthorType.END_USER),
        { ...message('09:02:00', AuthorType.AGENT), internal: true },
      ],
      null,
    ],
  ])('%s → %p', (_label, events, expected) => {
    expect(metricsAt(fold(events), t('12:00:00')).firstReplySeconds).toBe(expected);
  });
});

describe('assignment count', () => {
  it.each<[string, MetricsEvent[], number]>([
    ['one assignment', [assigned('09:01:00', 'agent-1')], 1],
    ['an unassign is not an assignment', [assigned('09:01:00', 'agent-1'), assigned('09:02:00', null)], 1],
    ['only unassigns', [assigned('09:01:00', null)], 0],
    [
      'a reassignment counts',
      [assigned('09:01:00', 'agent-1'), assigned('09:02:00', null), assigned('09:03:00', 'agent-2')],
      2,
    ],
    ['offers do not count', [other('09:00:10', Kind.OFFERED, 'agent-1')], 0],
  ])('%s → %p', (_label, events, expected) => {
    expect(metricsAt(fold(events), t('12:00:00')).assignmentCount).toBe(expected);
  });
});

describe('live chat: solve and close in the same instant', () => {
  it('resolution is the solve time and the OPEN interval ends there', () => {
    const events = [
      message('09:00:00', AuthorType.END_USER),
      assigned('09:00:30', 'agent-1'),
      status('09:00:30', OPEN),
      message('09:01:15', AuthorType.AGENT),
      status('09:07:30', SOLVED),
      status('09:07:30', CLOSED),
    ];
    expect(metricsAt(fold(events), t('10:00:00'))).toStrictEqual(figures(75, 450, 420, 0, 1));
  });
});

describe('transfers (docs/domain.md "Transfer")', () => {
  /** A TRANSFERRED change; the status before it is in the comment's words only (the fold reads the one after). */
  const transferred = (
    at: string,
    agentId: string | null,
    _from: TicketStatus,
    toStatus: TicketStatus,
  ): MetricsEvent => ({
    kind: Kind.TRANSFERRED,
    at: t(at),
    agentId,
    toStatus,
  });
  const openWithAgent1 = [assigned('09:00:00', 'agent-1'), status('09:00:00', OPEN)];

  it.each<[string, MetricsEvent[], { assignments: number; handleSeconds: number; openSince: Date | null }]>([
    [
      'an OPEN ticket offered to a colleague: OPEN time ends, no assignment yet',
      [...openWithAgent1, transferred('09:10:00', 'agent-2', OPEN, NEW)],
      { assignments: 1, handleSeconds: 600, openSince: null },
    ],
    [
      '…and accepted: an assignment, OPEN again',
      [
        ...openWithAgent1,
        transferred('09:10:00', 'agent-2', OPEN, NEW),
        assigned('09:11:00', 'agent-2'),
        status('09:11:00', OPEN),
      ],
      { assignments: 2, handleSeconds: 600, openSince: t('09:11:00') },
    ],
    [
      'an OPEN ticket assigned to a colleague (auto-accept): an assignment, OPEN time goes on',
      [...openWithAgent1, transferred('09:10:00', 'agent-2', OPEN, OPEN)],
      { assignments: 2, handleSeconds: 0, openSince: t('09:00:00') },
    ],
    [
      'a PENDING ticket assigned to a colleague: an assignment, still not OPEN',
      [...openWithAgent1, status('09:05:00', PENDING), transferred('09:10:00', 'agent-2', PENDING, PENDING)],
      { assignments: 2, handleSeconds: 300, openSince: null },
    ],
    [
      'a NEW ticket assigned by an admin: an assignment, OPEN from then',
      [transferred('09:10:00', 'agent-2', NEW, OPEN)],
      { assignments: 1, handleSeconds: 0, openSince: t('09:10:00') },
    ],
    [
      'an OPEN ticket back to the queue: OPEN time ends, no assignment',
      [...openWithAgent1, transferred('09:10:00', null, OPEN, NEW)],
      { assignments: 1, handleSeconds: 600, openSince: null },
    ],
    [
      'an ON_HOLD ticket back to the queue: nothing to end',
      [...openWithAgent1, status('09:05:00', ON_HOLD), transferred('09:10:00', null, ON_HOLD, NEW)],
      { assignments: 1, handleSeconds: 300, openSince: null },
    ],
  ])('%s', (_label, events, expected) => {
    const state = fold(events);
    expect(state.openSince).toStrictEqual(expected.openSince);
    const figures = metricsAt(state, state.openSince ?? t('12:00:00'));
    expect(figures.assignmentCount).toBe(expected.assignments);
    expect(figures.handleSeconds).toBe(expected.handleSeconds);
  });
});
