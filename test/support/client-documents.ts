import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';

/**
 * The documents an agent's console sends in the frontend-client suites (test/e2e/clients), written
 * by hand as a frontend team writes them, and one set for both clients: Apollo Client and urql take
 * any graphql-js DocumentNode, typed with TypedDocumentNode. They are parsed with graphql's own
 * `parse` rather than either client's `gql`, so the urql suite does not load Apollo Client (whose
 * development build the Apollo suite must load first, see apollo-client.ts).
 *
 * The selections are what the Apollo suite needs: a change selects what the list shows of its
 * ticket (the assignee's `name`, `offeredTo`), so the normalised ticket stays complete after it; the
 * list and the thread select different metrics (for the TicketMetrics type policy) and pageInfo (for
 * relayStylePagination). urql's document cache only fetches a query again, so they cost it nothing.
 */

export interface TicketFilter {
  assigneeId?: string;
  offeredToId?: string;
  statuses?: string[];
  channelId?: string;
}
export interface TicketRow {
  id: string;
  status: string;
  assignee: { id: string; name: string } | null;
  offeredTo: { id: string } | null;
  metrics: { firstReplySeconds: number | null };
}
export interface TicketList {
  tickets: {
    edges: { cursor: string; node: TicketRow }[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
  };
}
export interface Change {
  cursor: string;
  kind: string;
  previousStatus: string | null;
  previousAssignee: { id: string } | null;
  ticket: {
    id: string;
    status: string;
    assignee: { id: string; name: string } | null;
    offeredTo: { id: string } | null;
  };
}
export interface ThreadMessage {
  id: string;
  sequence: number;
  authorType: string;
  body: string;
  clientMessageId: string | null;
}
export interface Thread {
  ticket: {
    id: string;
    status: string;
    metrics: { firstReplySeconds: number | null; handleSeconds: number };
    messages: {
      edges: { node: ThreadMessage }[];
      pageInfo: { endCursor: string | null; hasNextPage: boolean };
    };
  } | null;
}

export const ME: TypedDocumentNode<
  { me: { id: string; name: string } | null },
  Record<string, never>
> = parse(/* GraphQL */ `
  query Me {
    me {
      id
      name
    }
  }
`);

export const TICKET_LIST: TypedDocumentNode<
  TicketList,
  { filter: TicketFilter; first?: number; after?: string }
> = parse(/* GraphQL */ `
  query TicketList($filter: TicketFilter!, $first: Int = 50, $after: String) {
    tickets(filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          status
          assignee {
            id
            name
          }
          offeredTo {
            id
          }
          metrics {
            firstReplySeconds
          }
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`);

const CHANGE_FIELDS = /* GraphQL */ `
  fragment ChangeFields on TicketChange {
    cursor
    kind
    previousStatus
    previousAssignee {
      id
    }
    ticket {
      id
      status
      assignee {
        id
        name
      }
      offeredTo {
        id
      }
    }
  }
`;

export const LIST_CHANGES: TypedDocumentNode<{ ticketChanged: Change }, { filter: TicketFilter }> = parse(
  /* GraphQL */ `
    subscription ListChanges($filter: TicketFilter!) {
      ticketChanged(filter: $filter) {
        ...ChangeFields
      }
    }
    ${CHANGE_FIELDS}
  `,
);

export const ASSIGNMENTS: TypedDocumentNode<
  { assignments: Change },
  { agentId: string; after?: string | null }
> = parse(/* GraphQL */ `
  subscription Desk($agentId: ID!, $after: String) {
    assignments(agentId: $agentId, after: $after) {
      ...ChangeFields
    }
  }
  ${CHANGE_FIELDS}
`);

export const UPDATE_STATUS: TypedDocumentNode<
  { updateTicketStatus: { id: string; status: string } },
  { ticketId: string; status: string }
> = parse(/* GraphQL */ `
  mutation UpdateStatus($ticketId: ID!, $status: TicketStatus!) {
    updateTicketStatus(ticketId: $ticketId, status: $status) {
      id
      status
    }
  }
`);

export const THREAD: TypedDocumentNode<Thread, { id: string; first?: number; after?: string }> = parse(
  /* GraphQL */ `
    query Thread($id: ID!, $first: Int = 50, $after: String) {
      ticket(id: $id) {
        id
        status
        metrics {
          firstReplySeconds
          handleSeconds
        }
        messages(first: $first, after: $after) {
          edges {
            node {
              id
              sequence
              authorType
              body
              clientMessageId
            }
          }
          pageInfo {
            endCursor
            hasNextPage
          }
        }
      }
    }
  `,
);

export const SEND_MESSAGE: TypedDocumentNode<
  { sendMessage: ThreadMessage },
  { ticketId: string; body: string; clientMessageId: string }
> = parse(/* GraphQL */ `
  mutation SendMessage($ticketId: ID!, $body: String!, $clientMessageId: String) {
    sendMessage(ticketId: $ticketId, body: $body, clientMessageId: $clientMessageId) {
      id
      sequence
      authorType
      body
      clientMessageId
    }
  }
`);
