import { registerEnumType } from 'type-graphql';
import { AgentStatus } from '../domain/agent/agent.rules';
import { ApiTokenKind } from '../domain/auth/token-kind';
import { ChannelKind } from '../domain/channel/channel.rules';
import { ConversationStyleKind } from '../domain/conversation-style/conversation-style.rules';
import { MessageDeliveryStatus } from '../domain/ticket/message-delivery.rules';
import { AuthorType, TicketChangeKind, TicketPriority, TicketStatus } from '../domain/ticket/ticket.enums';
import { WebhookDeliveryStatus } from '../domain/webhook/webhook.enums';

registerEnumType(AgentStatus, {
  name: 'AgentStatus',
  description: 'Whether routing may offer the agent tickets (only ONLINE agents are offered).',
  valuesConfig: {
    ONLINE: { description: 'Taking tickets: routing offers or assigns tickets up to its capacity.' },
    AWAY: {
      description:
        'Briefly not taking tickets (also set by a missed offer); keeps its tickets, gives back its open offers.',
    },
    OFFLINE: {
      description:
        'Not working; keeps its tickets, gives back its open offers, and a reopened ticket goes back to the queue.',
    },
  },
});
registerEnumType(ConversationStyleKind, {
  name: 'ConversationStyleKind',
  description: 'What solving a ticket and a returning customer do.',
  valuesConfig: {
    LIVE_CHAT: { description: 'Solving closes the ticket at once; a returning customer gets a new ticket.' },
    LIVE_CHAT_RETURNING: {
      description:
        'A customer who writes again within the window after solve reopens the same ticket with the same agent.',
    },
    SOCIAL_MESSAGING: {
      description:
        'Closes a while after solve (4 days by default, up to 28); PENDING, ON_HOLD and SOLVED free the agent.',
    },
  },
});
registerEnumType(ApiTokenKind, {
  name: 'ApiTokenKind',
  description: "Whom a bearer token signs in: an agent, or a channel's integration.",
  valuesConfig: {
    AGENT: { description: 'Signs in one agent.' },
    INTEGRATION: { description: "Signs in one channel's integration (a partner backend)." },
  },
});
registerEnumType(ChannelKind, {
  name: 'ChannelKind',
  description: 'Where end users write in from.',
  valuesConfig: {
    WEB_WIDGET: { description: 'A chat widget on a web site.' },
    MOBILE_SDK: { description: 'A mobile app through an SDK.' },
    WHATSAPP: { description: 'WhatsApp, through a partner integration.' },
    MESSENGER: { description: 'Facebook Messenger, through a partner integration.' },
    INSTAGRAM: { description: 'Instagram direct messages, through a partner integration.' },
    LINE: { description: 'LINE, through a partner integration.' },
    KAKAOTALK: { description: 'KakaoTalk, through a partner integration.' },
    TELEGRAM: { description: 'Telegram, through a partner integration.' },
    SMS: { description: 'Text messages, through a partner integration.' },
    CUSTOM: { description: 'Any other source wired in through receiveMessage.' },
  },
});

registerEnumType(TicketStatus, {
  name: 'TicketStatus',
  description: 'NEW → OPEN → PENDING / ON_HOLD → SOLVED → CLOSED.',
  valuesConfig: {
    NEW: { description: 'Waiting for an agent: in the queue, or offered to one agent. No assignee.' },
    OPEN: { description: "An agent is working on it; it counts toward that agent's load." },
    PENDING: { description: 'Waiting on the customer; their next message makes it OPEN again.' },
    ON_HOLD: { description: 'Waiting on something else (a third party, another team).' },
    SOLVED: { description: "Answered; closes by the conversation style's rule." },
    CLOSED: {
      description: 'Finished for good; the assignee is kept. A returning customer gets a new ticket.',
    },
  },
});
registerEnumType(TicketPriority, {
  name: 'TicketPriority',
  description: 'Queue order: URGENT, HIGH, NORMAL, LOW.',
  valuesConfig: {
    URGENT: { description: 'Routed before every other priority.' },
    HIGH: { description: 'Routed after URGENT.' },
    NORMAL: { description: 'The default.' },
    LOW: { description: 'Routed last.' },
  },
});
registerEnumType(AuthorType, {
  name: 'AuthorType',
  description: 'Who wrote a message.',
  valuesConfig: {
    END_USER: { description: "The customer, through the channel's integration." },
    AGENT: { description: 'An agent, or an admin (then Message.agent is null).' },
    SYSTEM: { description: 'Parley itself.' },
  },
});
registerEnumType(TicketChangeKind, {
  name: 'TicketChangeKind',
  description: "What a TicketChange records; the ticket's state after it is on the change's ticket.",
  valuesConfig: {
    CREATED: { description: "An end user's first message opened a new ticket." },
    OFFERED: { description: "Routing offered the waiting ticket to the change's agent." },
    OFFER_DECLINED: {
      description:
        'The offer ended without an assignment: declined by the agent, or withdrawn by an admin or the system.',
    },
    OFFER_EXPIRED: { description: 'The offer timed out; the agent, if still ONLINE, was set AWAY.' },
    ASSIGNED: {
      description:
        "The ticket was given to the change's agent (accepted, auto-accepted or reassigned), or sent back to the queue (no agent).",
    },
    STATUS_CHANGED: {
      description: "The ticket's status changed (see previousStatus and the ticket's status).",
    },
    REOPENED: {
      description:
        'A SOLVED ticket was reopened (the customer wrote back, or an agent or admin reopened it).',
    },
    MESSAGE_ADDED: { description: "A message was added (the change's message)." },
    MESSAGE_UPDATED: {
      description:
        "The partner reported a delivery receipt that moved an agent's message on (the change's message, with its deliveryStatus).",
    },
    TRANSFERRED: {
      description:
        "The assignee or an admin transferred the ticket: offered to another agent (NEW, see the ticket's offeredTo), assigned to it under auto-accept (see assignee), or back to the queue. previousAssignee is who had it.",
    },
    TICKET_UPDATED: {
      description:
        "The assignee or an admin changed the ticket's priority, required or optional skills (updateTicket); the ticket shows them as they are now.",
    },
    SLA_BREACHED: {
      description:
        "One of the ticket's SLA targets was missed at its due time (see the ticket's sla.breached); at most one such change per target and ticket.",
    },
  },
});
registerEnumType(MessageDeliveryStatus, {
  name: 'MessageDeliveryStatus',
  description:
    "How far an agent's message got to the end user, as the channel's integration reports it: SENT → DELIVERED → READ, or FAILED; never backwards.",
  valuesConfig: {
    SENT: { description: "Handed to the end user's platform (WhatsApp, LINE …)." },
    DELIVERED: { description: "On the end user's device." },
    READ: { description: 'Seen by the end user (implies DELIVERED).' },
    FAILED: {
      description:
        'Could not be delivered (deliveryError says why). Final; only a message not yet DELIVERED can fail.',
    },
  },
});
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where one delivery of one change to one webhook endpoint stands.',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet: waiting for its next attempt (nextAttemptAt).' },
    DELIVERED: { description: 'The endpoint answered 2xx in time.' },
    GAVE_UP: { description: 'Every attempt failed; no more are made unless it is redelivered.' },
  },
});

export {
  AgentStatus,
  ApiTokenKind,
  AuthorType,
  ChannelKind,
  ConversationStyleKind,
  MessageDeliveryStatus,
  TicketChangeKind,
  TicketPriority,
  TicketStatus,
  WebhookDeliveryStatus,
};
