import { ADMIN, type Principal } from '../auth/principal';
import { TicketChangeKind, TicketStatus } from '../ticket/ticket.enums';
import {
  assignmentFilter,
  matchesChange,
  messageFilter,
  ticketChangeFilter,
  type ChangeHeader,
  type RequestedChangeFilter,
} from './change-filter';

const CHANNEL_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const CHANNEL_B = 'bbbbbbbb-0000-4000-8000-000000000002';
const ADA = 'adadadad-0000-4000-8000-000000000003';
const BO = 'b0b0b0b0-0000-4000-8000-000000000004';
const TICKET = 'cccccccc-0000-4000-8000-000000000005';
const REQUESTER = 'dddddddd-0000-4000-8000-000000000006';

const change: ChangeHeader = {
  kind: TicketChangeKind.ASSIGNED,
  agentId: ADA,
  status: TicketStatus.OPEN,
  assigneeId: ADA,
  offeredToId: null,
  previousStatus: TicketStatus.NEW,
  previousAssigneeId: null,
  previousOfferedToId: null,
  ticketId: TICKET,
  channelId: CHANNEL_A,
  requesterId: REQUESTER,
  internal: false,
};
const integrationOf = (channelId: string): Principal => ({ role: 'INTEGRATION', channelId, tokenId: 't' });
const agent: Principal = { role: 'AGENT', agentId: BO, tokenId: 't' };

describe('which readers receive a change', () => {
  it.each<[string, Principal, RequestedChangeFilter | null, boolean]>([
    ['an admin, no filter', ADMIN, null, true],
    ['an agent, no filter', agent, null, true],
    ['its channel’s integration', integrationOf(CHANNEL_A), null, true],
    ['another channel’s integration', integrationOf(CHANNEL_B), null, false],
    [
      'another channel’s integration asking for this channel',
      integrationOf(CHANNEL_B),
      { channelId: CHANNEL_A },
      false,
    ],
    ['a matching status', ADMIN, { statuses: [TicketStatus.NEW, TicketStatus.OPEN] }, true],
    ['another status', ADMIN, { statuses: [TicketStatus.PENDING] }, false],
    ['no status at all', ADMIN, { statuses: [] }, false],
    ['the assignee, in upper case', ADMIN, { assigneeId: ADA.toUpperCase() }, true],
    ['another assignee', ADMIN, { assigneeId: BO }, false],
    ['the channel', ADMIN, { channelId: CHANNEL_A }, true],
    ['another channel', ADMIN, { channelId: CHANNEL_B }, false],
    ['the requester', ADMIN, { requesterId: REQUESTER }, true],
    ['a malformed id', ADMIN, { requesterId: 'nope' }, false],
    [
      'every condition holding',
      integrationOf(CHANNEL_A),
      { statuses: [TicketStatus.OPEN], assigneeId: ADA, channelId: CHANNEL_A, requesterId: REQUESTER },
      true,
    ],
  ])('ticketChanged: %s', (_name, principal, requested, expected) => {
    expect(matchesChange(change, ticketChangeFilter(principal, requested))).toBe(expected);
  });

  // docs/domain.md "Internal notes": one rule for every stream reader.
  const note: ChangeHeader = { ...change, kind: TicketChangeKind.MESSAGE_ADDED, internal: true };
  it.each<[string, Principal, ChangeHeader, boolean]>([
    ['an admin, a note', ADMIN, note, true],
    ['an agent, a note', agent, note, true],
    ['its channel’s integration, a note', integrationOf(CHANNEL_A), note, false],
    [
      'its channel’s integration, a public message',
      integrationOf(CHANNEL_A),
      { ...note, internal: false },
      true,
    ],
  ])('internal notes: %s', (_name, principal, header, expected) => {
    expect(matchesChange(header, ticketChangeFilter(principal, null))).toBe(expected);
    expect(matchesChange(header, messageFilter(principal, TICKET))).toBe(expected);
  });

  // docs/domain.md "The event stream": a filtered reader sees a ticket leave as well as enter.
  it.each<[string, ChangeHeader, RequestedChangeFilter, boolean]>([
    [
      'reassigned away from Bo, to Bo’s inbox',
      { ...change, previousAssigneeId: BO, previousStatus: TicketStatus.OPEN },
      { assigneeId: BO },
      true,
    ],
    [
      'reassigned away, to a third agent’s inbox',
      { ...change, previousAssigneeId: BO },
      { assigneeId: CHANNEL_B },
      false,
    ],
    [
      'OPEN → PENDING, to an OPEN view',
      { ...change, status: TicketStatus.PENDING, previousStatus: TicketStatus.OPEN },
      { statuses: [TicketStatus.OPEN] },
      true,
    ],
    [
      'a first change, to a view of what it was not',
      {
        ...change,
        kind: TicketChangeKind.CREATED,
        status: TicketStatus.NEW,
        assigneeId: null,
        previousStatus: null,
      },
      { statuses: [TicketStatus.PENDING] },
      false,
    ],
    [
      'both conditions must hold on one side: neither before nor after',
      { ...change, previousStatus: TicketStatus.PENDING, previousAssigneeId: BO },
      { statuses: [TicketStatus.PENDING], assigneeId: ADA },
      false,
    ],
    [
      'both conditions hold before',
      { ...change, previousStatus: TicketStatus.PENDING, previousAssigneeId: ADA },
      { statuses: [TicketStatus.PENDING], assigneeId: ADA },
      true,
    ],
  ])('ticketChanged, leaving: %s', (_name, header, requested, expected) => {
    expect(matchesChange(header, ticketChangeFilter(ADMIN, requested))).toBe(expected);
  });

  // TicketFilter.offeredToId: the offers open to an agent, seen arriving and leaving.
  const offeredToBo: ChangeHeader = {
    ...change,
    kind: TicketChangeKind.OFFERED,
    agentId: BO,
    status: TicketStatus.NEW,
    assigneeId: null,
    offeredToId: BO,
    previousStatus: TicketStatus.NEW,
    previousOfferedToId: null,
  };
  const offerEnded = (kind: TicketChangeKind): ChangeHeader => ({
    ...offeredToBo,
    kind,
    offeredToId: null,
    previousOfferedToId: BO,
  });
  it.each<[string, ChangeHeader, RequestedChangeFilter, Principal, boolean]>([
    ['an offer to Bo, to Bo’s offers', offeredToBo, { offeredToId: BO }, ADMIN, true],
    ['an offer to Bo, in upper case', offeredToBo, { offeredToId: BO.toUpperCase() }, agent, true],
    ['an offer to Bo, to Ada’s offers', offeredToBo, { offeredToId: ADA }, ADMIN, false],
    ['Bo declines', offerEnded(TicketChangeKind.OFFER_DECLINED), { offeredToId: BO }, ADMIN, true],
    ['Bo’s offer expires', offerEnded(TicketChangeKind.OFFER_EXPIRED), { offeredToId: BO }, ADMIN, true],
    [
      'Bo accepts (ASSIGNED to Bo, the ticket still NEW)',
      { ...offerEnded(TicketChangeKind.ASSIGNED), assigneeId: BO },
      { offeredToId: BO },
      ADMIN,
      true,
    ],
    [
      'after the accept, NEW → OPEN: no longer an offer either side',
      {
        ...change,
        kind: TicketChangeKind.STATUS_CHANGED,
        agentId: null,
        assigneeId: BO,
        previousAssigneeId: BO,
      },
      { offeredToId: BO },
      ADMIN,
      false,
    ],
    [
      'a message on Bo’s offered ticket',
      { ...offeredToBo, kind: TicketChangeKind.MESSAGE_ADDED, previousOfferedToId: BO },
      { offeredToId: BO },
      ADMIN,
      true,
    ],
    [
      'an offer to Bo, with a status it has',
      offeredToBo,
      { offeredToId: BO, statuses: [TicketStatus.NEW] },
      ADMIN,
      true,
    ],
    [
      'an offer to Bo, with a status it has not',
      offeredToBo,
      { offeredToId: BO, statuses: [TicketStatus.OPEN] },
      ADMIN,
      false,
    ],
    [
      'an offer to Bo, to its channel’s integration',
      offeredToBo,
      { offeredToId: BO },
      integrationOf(CHANNEL_A),
      true,
    ],
    [
      'an offer to Bo, to another channel’s integration',
      offeredToBo,
      { offeredToId: BO },
      integrationOf(CHANNEL_B),
      false,
    ],
    ['a malformed id', offeredToBo, { offeredToId: 'nope' }, ADMIN, false],
  ])('ticketChanged, offeredToId: %s', (_name, header, requested, principal, expected) => {
    expect(matchesChange(header, ticketChangeFilter(principal, requested))).toBe(expected);
  });

  it.each<[string, ChangeHeader, boolean]>([
    [
      'a reassignment away from the agent',
      { ...change, agentId: BO, assigneeId: BO, previousAssigneeId: ADA },
      true,
    ],
    ['an assignment of the agent', change, true],
    ['an offer to the agent', { ...change, kind: TicketChangeKind.OFFERED, assigneeId: null }, true],
    ['an expired offer', { ...change, kind: TicketChangeKind.OFFER_EXPIRED }, true],
    ['a declined offer', { ...change, kind: TicketChangeKind.OFFER_DECLINED }, true],
    ['a message on its ticket', { ...change, kind: TicketChangeKind.MESSAGE_ADDED, agentId: null }, false],
    ['a receipt on its ticket', { ...change, kind: TicketChangeKind.MESSAGE_UPDATED, agentId: null }, false],
    ['an assignment of someone else', { ...change, agentId: BO }, false],
    // docs/domain.md "Transfer": one TRANSFERRED change, seen by the agent it goes to and the one it leaves.
    [
      'a transfer to the agent (an offer)',
      {
        ...change,
        kind: TicketChangeKind.TRANSFERRED,
        status: TicketStatus.NEW,
        assigneeId: null,
        offeredToId: ADA,
        previousStatus: TicketStatus.OPEN,
        previousAssigneeId: BO,
      },
      true,
    ],
    [
      'a transfer away from the agent (to a colleague)',
      {
        ...change,
        kind: TicketChangeKind.TRANSFERRED,
        agentId: BO,
        assigneeId: BO,
        previousStatus: TicketStatus.OPEN,
        previousAssigneeId: ADA,
      },
      true,
    ],
    [
      'a transfer away from the agent (to the queue)',
      {
        ...change,
        kind: TicketChangeKind.TRANSFERRED,
        agentId: null,
        status: TicketStatus.NEW,
        assigneeId: null,
        previousStatus: TicketStatus.OPEN,
        previousAssigneeId: ADA,
      },
      true,
    ],
    [
      'a transfer that withdraws an offer to the agent',
      {
        ...change,
        kind: TicketChangeKind.TRANSFERRED,
        agentId: BO,
        status: TicketStatus.NEW,
        assigneeId: null,
        offeredToId: BO,
        previousAssigneeId: null,
        previousOfferedToId: ADA,
      },
      true,
    ],
    [
      'a transfer between two others',
      {
        ...change,
        kind: TicketChangeKind.TRANSFERRED,
        agentId: BO,
        assigneeId: BO,
        previousStatus: TicketStatus.OPEN,
        previousAssigneeId: REQUESTER,
      },
      false,
    ],
  ])('assignments(Ada): %s', (_name, header, expected) => {
    expect(matchesChange(header, assignmentFilter(ADMIN, ADA))).toBe(expected);
  });

  it.each<[string, ChangeHeader, Principal, boolean]>([
    ['a message of the ticket', { ...change, kind: TicketChangeKind.MESSAGE_ADDED }, ADMIN, true],
    ['another kind of change', change, ADMIN, false],
    // A receipt changes a message already sent: ticketChanged carries it, messageAdded does not.
    [
      'a receipt for a message of the ticket',
      { ...change, kind: TicketChangeKind.MESSAGE_UPDATED },
      ADMIN,
      false,
    ],
    [
      'a message of another ticket',
      { ...change, kind: TicketChangeKind.MESSAGE_ADDED, ticketId: CHANNEL_B },
      ADMIN,
      false,
    ],
    [
      'for another channel’s integration',
      { ...change, kind: TicketChangeKind.MESSAGE_ADDED },
      integrationOf(CHANNEL_B),
      false,
    ],
  ])('messageAdded: %s', (_name, header, principal, expected) => {
    expect(matchesChange(header, messageFilter(principal, TICKET.toUpperCase()))).toBe(expected);
  });
});
