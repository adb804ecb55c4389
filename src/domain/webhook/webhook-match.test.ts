import type { ChangeHeader } from '../stream/change-filter';
import { TicketChangeKind, TicketStatus } from '../ticket/ticket.enums';
import { endpointReceives, webhookChangeFilter } from './webhook-match';

const CHANNEL_A = '0b6f0c52-8a8e-4f0e-9f57-1a1a1a1a1a1a';
const CHANNEL_B = '7d1e3c1a-2b2b-4c4c-8d8d-2b2b2b2b2b2b';

function change(kind: TicketChangeKind, channelId: string): ChangeHeader {
  return {
    kind,
    agentId: null,
    status: TicketStatus.NEW,
    assigneeId: null,
    offeredToId: null,
    previousStatus: null,
    previousAssigneeId: null,
    previousOfferedToId: null,
    ticketId: '5f5f5f5f-1111-4222-8333-444444444444',
    channelId,
    requesterId: '6a6a6a6a-1111-4222-8333-444444444444',
    internal: false,
  };
}

describe('endpointReceives', () => {
  const { MESSAGE_ADDED, STATUS_CHANGED, MESSAGE_UPDATED, CREATED } = TicketChangeKind;
  it.each([
    ['its channel, all kinds', { channelId: CHANNEL_A, kinds: [] }, change(STATUS_CHANGED, CHANNEL_A), true],
    ['another channel', { channelId: CHANNEL_A, kinds: [] }, change(STATUS_CHANGED, CHANNEL_B), false],
    ['every channel (admin-made)', { channelId: null, kinds: [] }, change(CREATED, CHANNEL_B), true],
    [
      'a kind it listed',
      { channelId: CHANNEL_A, kinds: [MESSAGE_ADDED, MESSAGE_UPDATED] },
      change(MESSAGE_UPDATED, CHANNEL_A),
      true,
    ],
    [
      'a kind it did not list',
      { channelId: CHANNEL_A, kinds: [MESSAGE_ADDED] },
      change(STATUS_CHANGED, CHANNEL_A),
      false,
    ],
    [
      'kinds on every channel',
      { channelId: null, kinds: [MESSAGE_ADDED] },
      change(MESSAGE_ADDED, CHANNEL_B),
      true,
    ],
    [
      'a listed kind on another channel',
      { channelId: CHANNEL_B, kinds: [MESSAGE_ADDED] },
      change(MESSAGE_ADDED, CHANNEL_A),
      false,
    ],
    [
      'a channel id in upper case',
      { channelId: CHANNEL_A.toUpperCase(), kinds: [] },
      change(CREATED, CHANNEL_A),
      true,
    ],
    // docs/domain.md "Internal notes": never delivered, whoever made the endpoint.
    [
      'an internal note, to its channel’s endpoint',
      { channelId: CHANNEL_A, kinds: [] },
      { ...change(MESSAGE_ADDED, CHANNEL_A), internal: true },
      false,
    ],
    [
      'an internal note, to an admin’s endpoint for every channel',
      { channelId: null, kinds: [MESSAGE_ADDED] },
      { ...change(MESSAGE_ADDED, CHANNEL_A), internal: true },
      false,
    ],
  ])('%s → %s', (_name, endpoint, c, expected) => {
    expect(endpointReceives(endpoint, c)).toBe(expected);
  });

  it('narrows nothing but channel, kinds and internal notes', () => {
    expect(webhookChangeFilter({ channelId: CHANNEL_A, kinds: [] })).toEqual({
      visibleChannelId: CHANNEL_A,
      internalNotes: false,
      kinds: null,
      statuses: null,
      assigneeId: null,
      offeredToId: null,
      channelId: null,
      requesterId: null,
      agentId: null,
      ticketId: null,
    });
  });
});
