import type { EntityManager } from '@mikro-orm/postgresql';
import type { ChannelKind } from '../../domain/channel/channel.rules';
import { positionOf, type StreamPosition } from '../../domain/stream/stream-position';
import type {
  AuthorType,
  TicketChangeKind,
  TicketPriority,
  TicketStatus,
} from '../../domain/ticket/ticket.enums';
import type { WebhookAttachment, WebhookChange } from '../../domain/webhook/webhook-document';
import type { EndpointSecrets } from '../../domain/webhook/webhook-signature';
import type { Query } from '../../events/event-log.store';

/**
 * The delivery engine's SQL (docs/domain.md "Outbound delivery to partners"): the dispatcher's
 * claim of an endpoint and the deliveries it makes, the sender's claim of due deliveries and the
 * record of each attempt, and the upkeep (pruning, disabling). Statements take `?` placeholders
 * and run on the `Query` given: a transaction's, or the pool's.
 */

/** `Query` on `em`, inside its transaction when it has one. */
export function queryIn(em: EntityManager): Query {
  return (sql, params) => em.execute<Record<string, unknown>[]>(sql, [...params]);
}

export interface ClaimedEndpoint {
  readonly id: string;
  readonly channelId: string | null;
  readonly kinds: readonly TicketChangeKind[];
  readonly position: StreamPosition;
}

/**
 * Locks the enabled endpoints whose position is behind `upTo`, furthest behind first, skipping
 * those another process holds: across processes, one dispatcher at a time turns an endpoint's
 * changes into deliveries.
 */
export async function claimEndpointsBehind(query: Query, upTo: StreamPosition): Promise<ClaimedEndpoint[]> {
  const rows = await query(
    `select w.id, w.channel_id, w.kinds, w.stream_xid::text as stream_xid, w.stream_id::text as stream_id
       from webhook_endpoints w
      where w.enabled and (w.stream_xid, w.stream_id) < (?::xid8, ?::bigint)
      order by w.stream_xid, w.stream_id, w.id
      for no key update skip locked`,
    [String(upTo.xid), String(upTo.id)],
  );
  return rows.map((row) => ({
    id: row.id as string,
    channelId: (row.channel_id as string | null) ?? null,
    kinds: row.kinds as TicketChangeKind[],
    position: positionOf(row.stream_xid as string, row.stream_id as string),
  }));
}

/** Whether any endpoint is enabled (the dispatcher skips wake-ups while none is). */
export async function anyEndpointEnabled(query: Query): Promise<boolean> {
  const [row] = await query(`select exists (select 1 from webhook_endpoints where enabled) as found`, []);
  return row?.found === true;
}

/**
 * One PENDING delivery per (endpoint, change), due at `now`; a pair that already has its delivery
 * is left alone (the unique pair settles any race). Answers how many were made.
 */
export async function insertDeliveries(
  query: Query,
  pairs: readonly { endpointId: string; eventId: string }[],
  now: Date,
): Promise<number> {
  if (pairs.length === 0) return 0;
  const rows = await query(
    `insert into webhook_deliveries
       (id, endpoint_id, event_id, ticket_id, stream_xid, status, attempts, next_attempt_at, created_at)
     select gen_random_uuid(), p.endpoint_id, e.id, e.ticket_id, e.stream_xid, 'PENDING', 0, ?::timestamptz, ?::timestamptz
       from unnest(?::uuid[], ?::bigint[]) as p(endpoint_id, event_id)
       join ticket_events e on e.id = p.event_id
     on conflict (endpoint_id, event_id) do nothing
     returning 1`,
    [now, now, `{${pairs.map((p) => p.endpointId).join(',')}}`, `{${pairs.map((p) => p.eventId).join(',')}}`],
  );
  return rows.length;
}

export async function moveEndpoints(
  query: Query,
  endpointIds: readonly string[],
  to: StreamPosition,
): Promise<void> {
  if (endpointIds.length === 0) return;
  await query(
    `update webhook_endpoints set stream_xid = ?::xid8, stream_id = ?::bigint where id = any(?::uuid[])`,
    [String(to.xid), String(to.id), `{${endpointIds.join(',')}}`],
  );
}

export interface ClaimRequest {
  now: Date;
  /** Marks every delivery of this claim as in flight here until `leaseUntil`. */
  leaseOwner: string;
  leaseUntil: Date;
  /** Deliveries to take at most. */
  limit: number;
  /** Requests one endpoint may have in flight in this process. */
  perEndpoint: number;
  /** This process's requests in flight, by endpoint. */
  inFlight: ReadonlyMap<string, number>;
}

/** A delivery leased for one attempt, with all its request needs. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly url: string;
  readonly secrets: EndpointSecrets;
  /** Attempts made before this one. */
  readonly attempts: number;
  readonly change: WebhookChange;
}

/**
 * Claims due deliveries and loads what their requests need, in one statement: PENDING, due, not
 * leased (or the lease ran out: its process died), the endpoint enabled, and no earlier PENDING
 * delivery of the same endpoint and ticket (a ticket's changes go out in stream order; another
 * ticket's are not held up). At most `perEndpoint` in flight per endpoint, counting this process's
 * own (those at it are not even looked at, so a slow endpoint's backlog does not hide the others').
 * `FOR UPDATE SKIP LOCKED` and the lease's re-check after locking mean two processes never lease
 * the same delivery at once.
 */
export async function claimDueDeliveries(query: Query, claim: ClaimRequest): Promise<ClaimedDelivery[]> {
  if (claim.limit <= 0) return [];
  const busy = [...claim.inFlight].filter(([, n]) => n > 0);
  const full = busy.filter(([, n]) => n >= claim.perEndpoint).map(([id]) => id);
  const rows = await query(
    `with due as (
       select d.id, d.endpoint_id, d.next_attempt_at, d.stream_xid, d.event_id
         from webhook_deliveries d
         join webhook_endpoints w on w.id = d.endpoint_id
        where d.status = 'PENDING' and d.next_attempt_at <= ?::timestamptz
          and (d.lease_until is null or d.lease_until <= ?::timestamptz)
          and w.enabled and d.endpoint_id <> all(?::uuid[])
          and not exists (
            select 1 from webhook_deliveries p
             where p.endpoint_id = d.endpoint_id and p.ticket_id = d.ticket_id and p.status = 'PENDING'
               and (p.stream_xid, p.event_id) < (d.stream_xid, d.event_id))
        order by d.next_attempt_at
        limit ?
     ), ranked as (
       select due.*, row_number() over (partition by endpoint_id order by next_attempt_at, stream_xid, event_id) as n
         from due
     ), picked as (
       select d.id, r.endpoint_id, d.event_id
         from webhook_deliveries d
         join ranked r on r.id = d.id
         left join unnest(?::uuid[], ?::int[]) as b(endpoint_id, in_flight) on b.endpoint_id = r.endpoint_id
        where r.n <= ?::int - coalesce(b.in_flight, 0)
          and d.status = 'PENDING' and (d.lease_until is null or d.lease_until <= ?::timestamptz)
        order by r.next_attempt_at
        limit ?
        for update of d skip locked
     )
     update webhook_deliveries d
        set lease_owner = ?, lease_until = ?::timestamptz
       from picked p
       join webhook_endpoints w on w.id = p.endpoint_id
       join ticket_events e on e.id = p.event_id
       join tickets t on t.id = e.ticket_id
       join channels c on c.id = t.channel_id
       join end_users u on u.id = t.requester_id
       left join agents a on a.id = e.assignee_id
       left join messages m on m.id = e.message_id
      where d.id = p.id
     returning d.id, d.endpoint_id, d.attempts, w.url, w.secret, w.previous_secret, w.previous_secret_expires_at,
       e.id::text as event_id, e.stream_xid::text as stream_xid, e.kind, e.at, e.status,
       t.id as ticket_id, t.priority, t.created_at as ticket_created_at,
       c.id as channel_id, c.kind as channel_kind, c.name as channel_name,
       u.id as requester_id, u.external_id as requester_external_id, u.display_name as requester_display_name,
       a.id as assignee_id, a.name as assignee_name,
       m.id as message_id, m.sequence as message_sequence, m.author_type as message_author_type,
       m.body as message_body, m.external_id as message_external_id,
       m.client_message_id as message_client_message_id, m.created_at as message_created_at,
       case when m.id is null then null else (
         select coalesce(json_agg(json_build_object('id', f.id, 'fileName', f.file_name,
                  'contentType', f.content_type, 'size', f.size) order by f.created_at, f.id), '[]'::json)
           from uploads f where f.message_id = m.id) end as message_attachments`,
    [
      claim.now,
      claim.now,
      `{${full.join(',')}}`,
      // Enough candidates that endpoints at their cap in this claim still leave room for others.
      Math.max(100, claim.limit * 4),
      `{${busy.map(([id]) => id).join(',')}}`,
      `{${busy.map(([, n]) => n).join(',')}}`,
      claim.perEndpoint,
      claim.now,
      claim.limit,
      claim.leaseOwner,
      claim.leaseUntil,
    ],
  );
  return rows.map(toClaimed);
}

function toClaimed(row: Record<string, unknown>): ClaimedDelivery {
  const messageId = (row.message_id as string | null) ?? null;
  const assigneeId = (row.assignee_id as string | null) ?? null;
  return {
    id: row.id as string,
    endpointId: row.endpoint_id as string,
    url: row.url as string,
    attempts: Number(row.attempts),
    secrets: {
      secret: row.secret as string,
      previousSecret: (row.previous_secret as string | null) ?? null,
      previousSecretExpiresAt: dateOrNull(row.previous_secret_expires_at),
    },
    change: {
      position: positionOf(row.stream_xid as string, row.event_id as string),
      kind: row.kind as TicketChangeKind,
      at: date(row.at),
      ticket: {
        id: row.ticket_id as string,
        status: row.status as TicketStatus,
        priority: row.priority as TicketPriority,
        createdAt: date(row.ticket_created_at),
        channel: {
          id: row.channel_id as string,
          kind: row.channel_kind as ChannelKind,
          name: row.channel_name as string,
        },
        requester: {
          id: row.requester_id as string,
          externalId: row.requester_external_id as string,
          displayName: (row.requester_display_name as string | null) ?? null,
        },
        assignee: assigneeId === null ? null : { id: assigneeId, name: row.assignee_name as string },
      },
      message:
        messageId === null
          ? null
          : {
              id: messageId,
              sequence: Number(row.message_sequence),
              authorType: row.message_author_type as AuthorType,
              body: row.message_body as string,
              externalId: (row.message_external_id as string | null) ?? null,
              clientMessageId: (row.message_client_message_id as string | null) ?? null,
              createdAt: date(row.message_created_at),
              attachments: (row.message_attachments as WebhookAttachment[] | null) ?? [],
            },
    },
  };
}

function date(value: unknown): Date {
  return value instanceof Date ? value : new Date(value as string);
}

function dateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : date(value);
}

/** What one attempt came to, as the delivery records it. */
export type AttemptRecord =
  | { outcome: 'DELIVERED'; at: Date; responseStatus: number }
  | {
      outcome: 'FAILED';
      at: Date;
      responseStatus: number | null;
      error: string;
      /** Null: no attempt is left (GAVE_UP). */
      nextAttemptAt: Date | null;
    };

/** What recording an attempt came to. */
export interface Recorded {
  /** False: the lease was no longer this claim's, and nothing was written. */
  readonly kept: boolean;
  /** The delivery is done (delivered or given up) and a later one of its ticket waits for that. */
  readonly unblocked: boolean;
}

/**
 * Records an attempt, guarded by the lease: if the lease is no longer this claim's (it ran out and
 * another process took the delivery, or redeliverWebhook reset it), nothing is written. A 2xx also
 * ends the endpoint's failing streak; a delivery that gives up starts one.
 */
export async function recordAttempt(
  query: Query,
  deliveryId: string,
  leaseOwner: string,
  record: AttemptRecord,
): Promise<Recorded> {
  const delivered = record.outcome === 'DELIVERED';
  const gaveUp = record.outcome === 'FAILED' && record.nextAttemptAt === null;
  const status = delivered ? 'DELIVERED' : gaveUp ? 'GAVE_UP' : 'PENDING';
  const [row] = await query(
    `with d as (
       update webhook_deliveries
          set status = ?::webhook_delivery_status, attempts = attempts + 1, last_attempt_at = ?::timestamptz,
              response_status = ?::int, last_error = ?, next_attempt_at = ?::timestamptz,
              delivered_at = ?::timestamptz, lease_owner = null, lease_until = null
        where id = ?::uuid and lease_owner = ?
        returning id, endpoint_id, ticket_id, stream_xid, event_id, status
     ), recovered as (
       update webhook_endpoints w set failing_since = null
         from d where ?::boolean and w.id = d.endpoint_id and w.failing_since is not null
     ), failing as (
       update webhook_endpoints w set failing_since = ?::timestamptz
         from d where ?::boolean and w.id = d.endpoint_id and w.failing_since is null
     )
     select count(*)::int as n,
            coalesce(bool_or(d.status <> 'PENDING' and exists (
              select 1 from webhook_deliveries p
               where p.endpoint_id = d.endpoint_id and p.ticket_id = d.ticket_id and p.status = 'PENDING'
                 and p.id <> d.id and (p.stream_xid, p.event_id) > (d.stream_xid, d.event_id))), false) as unblocked
       from d`,
    [
      status,
      record.at,
      record.responseStatus,
      delivered ? null : record.error,
      delivered || gaveUp ? null : record.nextAttemptAt,
      delivered ? record.at : null,
      deliveryId,
      leaseOwner,
      delivered,
      record.at,
      gaveUp,
    ],
  );
  return { kept: Number(row?.n ?? 0) > 0, unblocked: row?.unblocked === true };
}

/** Leases of this process's claims dropped (a stop that could not wait): due again at once, elsewhere. */
export async function releaseLeases(query: Query, leaseOwners: readonly string[]): Promise<void> {
  if (leaseOwners.length === 0) return;
  await query(
    `update webhook_deliveries set lease_owner = null, lease_until = null
      where lease_owner = any(?::text[]) and status = 'PENDING'`,
    [`{${leaseOwners.join(',')}}`],
  );
}

/** Enabled endpoints failing since `cutoff` or before, and since when (to be disabled). */
export async function endpointsFailingSince(
  query: Query,
  cutoff: Date,
  endpointId: string | null,
): Promise<{ id: string; failingSince: Date }[]> {
  const rows = await query(
    `select id, failing_since from webhook_endpoints
      where enabled and failing_since <= ?::timestamptz and (?::uuid is null or id = ?::uuid)`,
    [cutoff, endpointId, endpointId],
  );
  return rows.map((row) => ({ id: row.id as string, failingSince: date(row.failing_since) }));
}

/**
 * Disables an endpoint with `reason`, unless it has recovered since it was read (or was enabled
 * again by hand, which starts afresh): the guard is its streak still reaching back to `cutoff`.
 */
export async function disableEndpoint(
  query: Query,
  endpointId: string,
  cutoff: Date,
  reason: string,
  now: Date,
): Promise<boolean> {
  const rows = await query(
    `update webhook_endpoints set enabled = false, disabled_reason = ?, updated_at = ?::timestamptz
      where id = ?::uuid and enabled and failing_since <= ?::timestamptz
      returning id`,
    [reason, now, endpointId, cutoff],
  );
  return rows.length > 0;
}

/**
 * Deletes up to `batch` DELIVERED deliveries delivered before `cutoff`. Through the log index
 * (endpoint, created_at): a delivery is made before it is delivered, so one delivered before the
 * cutoff was also made before it.
 */
export async function pruneDelivered(query: Query, cutoff: Date, batch: number): Promise<number> {
  const rows = await query(
    `delete from webhook_deliveries where id in (
       select old.id from webhook_endpoints w
         cross join lateral (
           select d.id from webhook_deliveries d
            where d.endpoint_id = w.id and d.created_at < ?::timestamptz
              and d.status = 'DELIVERED' and d.delivered_at < ?::timestamptz
            limit ?) old
        limit ?)
     returning 1`,
    [cutoff, cutoff, batch, batch],
  );
  return rows.length;
}

/** PENDING deliveries (for /metrics). */
export async function pendingCount(query: Query): Promise<number> {
  const [row] = await query(`select count(*)::int as n from webhook_deliveries where status = 'PENDING'`, []);
  return Number(row?.n ?? 0);
}
