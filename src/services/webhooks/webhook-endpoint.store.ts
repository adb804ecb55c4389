import type { EntityManager } from '@mikro-orm/postgresql';
import type { StreamPosition } from '../../domain/stream/stream-position';
import type { WebhookDeliveryStatus } from '../../domain/webhook/webhook.enums';
import { settledHead } from '../../events/event-log.store';
import { WebhookDeliveryEntity } from '../../entities/webhook-delivery.entity';

/**
 * The log's settled head, read on `em` (its transaction, when it has one): where a new endpoint
 * starts (WebhookEndpointService.create says why the settled head and not the committed one).
 */
export function settledHeadOn(em: EntityManager): Promise<StreamPosition> {
  return settledHead((sql, params) => em.execute<Record<string, unknown>[]>(sql, [...params]));
}

/** A delivery's place in its endpoint's log: newest first, by creation time then id. */
export interface DeliveryKey {
  /** created_at at PostgreSQL's own precision (microseconds), so that no two keys collapse. */
  readonly at: string;
  readonly id: string;
}

export interface DeliveryPageRead {
  endpointId: string;
  status: WebhookDeliveryStatus | null;
  after: DeliveryKey | null;
  limit: number;
}

export interface DeliveryRows {
  deliveries: WebhookDeliveryEntity[];
  keys: DeliveryKey[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

// The key's time as text: a JavaScript Date keeps milliseconds only, and created_at may hold more.
const KEY_AT = `to_char(d.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * One page of an endpoint's delivery log, newest first (the index on endpoint, created_at, id), and
 * whether the log has matching deliveries at or before the cursor (the previous page), exactly.
 */
export async function readDeliveryPage(em: EntityManager, read: DeliveryPageRead): Promise<DeliveryRows> {
  const where = ['d.endpoint_id = ?::uuid'];
  const params: unknown[] = [read.endpointId];
  if (read.status !== null) {
    where.push('d.status = ?::webhook_delivery_status');
    params.push(read.status);
  }
  const after = read.after;
  const page = async () => {
    if (read.limit === 0) return [];
    const conditions = after ? [...where, '(d.created_at, d.id) < (?::timestamptz, ?::uuid)'] : where;
    return em.execute<Record<string, unknown>[]>(
      `select d.*, ${KEY_AT} as key_at from webhook_deliveries d
        where ${conditions.join(' and ')}
        order by d.created_at desc, d.id desc limit ?`,
      [...params, ...(after ? [after.at, after.id] : []), read.limit + 1],
    );
  };
  const earlier = async () => {
    if (!after) return false;
    const [row] = await em.execute<{ found: boolean }[]>(
      `select exists (select 1 from webhook_deliveries d
        where ${where.join(' and ')} and (d.created_at, d.id) >= (?::timestamptz, ?::uuid)) as found`,
      [...params, after.at, after.id],
    );
    return row?.found === true;
  };
  const [rows, hasPreviousPage] = await Promise.all([page(), earlier()]);
  const shown = rows.slice(0, read.limit);
  return {
    deliveries: shown.map(({ key_at: _keyAt, ...row }) => em.map(WebhookDeliveryEntity, row)),
    keys: shown.map((row) => ({ at: row.key_at as string, id: row.id as string })),
    hasNextPage: rows.length > read.limit,
    hasPreviousPage,
  };
}
