import { ChannelKind } from '../channel/channel.rules';
import { decodeStreamCursor } from '../stream/stream-position';
import { AuthorType, TicketChangeKind, TicketPriority, TicketStatus } from '../ticket/ticket.enums';
import { webhookBody, webhookDocument, webhookEventId, type WebhookChange } from './webhook-document';

const base: WebhookChange = {
  position: { xid: 812n, id: 42n },
  kind: TicketChangeKind.STATUS_CHANGED,
  at: new Date('2026-03-01T09:00:01.250Z'),
  ticket: {
    id: 't-1',
    status: TicketStatus.PENDING,
    priority: TicketPriority.HIGH,
    createdAt: new Date('2026-03-01T08:00:00.000Z'),
    channel: { id: 'c-1', kind: ChannelKind.WHATSAPP, name: 'WhatsApp KR' },
    requester: { id: 'u-1', externalId: '+82-10-1234', displayName: 'Jiwoo' },
    assignee: { id: 'a-1', name: 'Mina' },
  },
  message: null,
};

const message = {
  id: 'm-1',
  sequence: 3,
  authorType: AuthorType.AGENT,
  body: '안녕하세요 "quoted" \\ ✓',
  externalId: null,
  clientMessageId: 'client-7',
  createdAt: new Date('2026-03-01T09:00:01.000Z'),
  attachments: [],
};

const photo = { id: 'f-1', fileName: '사진.jpg', contentType: 'image/jpeg', size: 48_213 };
const linkOf = (id: string) => `https://parley.example.com/files/${id}?expires=1772359200&sig=s`;

describe('webhookDocument', () => {
  it.each([
    ['a change without a message', base, { message: null, assignee: { id: 'a-1', name: 'Mina' } }],
    [
      'a message without attachments',
      { ...base, kind: TicketChangeKind.MESSAGE_ADDED, message },
      {
        message: {
          id: 'm-1',
          sequence: 3,
          authorType: 'AGENT',
          body: '안녕하세요 "quoted" \\ ✓',
          externalId: null,
          clientMessageId: 'client-7',
          createdAt: '2026-03-01T09:00:01.000Z',
          attachments: [],
        },
        assignee: { id: 'a-1', name: 'Mina' },
      },
    ],
    [
      'a message with an attachment, its link signed for the delivery',
      { ...base, kind: TicketChangeKind.MESSAGE_ADDED, message: { ...message, attachments: [photo] } },
      {
        message: {
          id: 'm-1',
          sequence: 3,
          authorType: 'AGENT',
          body: '안녕하세요 "quoted" \\ ✓',
          externalId: null,
          clientMessageId: 'client-7',
          createdAt: '2026-03-01T09:00:01.000Z',
          attachments: [{ ...photo, url: linkOf('f-1') }],
        },
        assignee: { id: 'a-1', name: 'Mina' },
      },
    ],
    [
      'no assignee',
      { ...base, ticket: { ...base.ticket, status: TicketStatus.NEW, assignee: null } },
      { message: null, assignee: null },
    ],
  ])('%s', (_name, change, expected) => {
    const document = webhookDocument(change, linkOf);
    expect(document).toEqual({
      id: webhookEventId(change.position),
      kind: change.kind,
      at: '2026-03-01T09:00:01.250Z',
      ticket: {
        id: 't-1',
        status: change.ticket.status,
        priority: 'HIGH',
        channel: { id: 'c-1', kind: 'WHATSAPP', name: 'WhatsApp KR' },
        requester: { id: 'u-1', externalId: '+82-10-1234', displayName: 'Jiwoo' },
        assignee: expected.assignee,
        createdAt: '2026-03-01T08:00:00.000Z',
      },
      message: expected.message,
    });
    // What is sent is that document, as JSON.
    expect(JSON.parse(webhookBody(change, linkOf))).toEqual(document);
  });

  it('identifies the change by its stream cursor (what ticketChanges(after) takes)', () => {
    expect(decodeStreamCursor(webhookEventId(base.position))).toEqual({ xid: 812n, id: 42n });
  });
});
