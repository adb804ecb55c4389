import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import type { Principal } from '../../domain/auth/principal';
import type { Clock } from '../../domain/clock';
import { badInput, DomainError, notFound } from '../../domain/errors';
import { rejectNull } from '../../domain/text';
import { TicketChangeKind } from '../../domain/ticket/ticket.enums';
import {
  disabledByReason,
  endpointChannel,
  normalizeKinds,
  PREVIOUS_SECRET_GRACE_MS,
  seesWebhookEndpoint,
  storedWebhookUrl,
  WEBHOOK_SECRET_PREFIX,
} from '../../domain/webhook/webhook-endpoint.rules';
import {
  hostAllowed,
  isIpAddress,
  targetHost,
  targetRefusal,
  type WebhookTargetPolicy,
} from '../../domain/webhook/webhook-target';
import { WebhookDeliveryStatus } from '../../domain/webhook/webhook.enums';
import { ChannelEntity } from '../../entities/channel.entity';
import { WebhookDeliveryEntity } from '../../entities/webhook-delivery.entity';
import { WebhookEndpointEntity } from '../../entities/webhook-endpoint.entity';
import { isId, requireId } from '../ids';
import { decodeCursor, encodeCursor, validateFirst, type Page } from '../pagination';
import { readDeliveryPage, settledHeadOn, type DeliveryKey } from './webhook-endpoint.store';

export interface CreateWebhookEndpointInput {
  url: string;
  channelId?: string | null;
  kinds?: readonly TicketChangeKind[] | null;
}

export interface UpdateWebhookEndpointInput {
  url?: string | null;
  kinds?: readonly TicketChangeKind[] | null;
  enabled?: boolean | null;
}

/** An endpoint and its signing secret as shown once (create and rotate). */
export interface EndpointWithSecret {
  endpoint: WebhookEndpointEntity;
  secret: string;
}

/** Every address a host name resolves to; throws when it resolves to none. */
export type HostLookup = (host: string) => Promise<readonly string[]>;

const systemLookup: HostLookup = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

const KIND_ORDER = Object.values(TicketChangeKind);
const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Partners' webhook endpoints (docs/domain.md "Webhook endpoints"): who manages which, the URL and
 * target rules, secrets shown once, rotation, the delivery log and redelivery. Sending is the
 * delivery engine's; this service only writes what it reads.
 */
export class WebhookEndpointService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly policy: WebhookTargetPolicy,
    private readonly resolve: HostLookup = systemLookup,
  ) {}

  /** Oldest first: an admin sees every endpoint, an integration its own channel's. */
  list(viewer: Principal): Promise<WebhookEndpointEntity[]> {
    if (viewer.role !== 'ADMIN' && viewer.role !== 'INTEGRATION') return Promise.resolve([]);
    const where = viewer.role === 'INTEGRATION' ? { channel: viewer.channelId } : {};
    return this.em.fork().find(WebhookEndpointEntity, where, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** An endpoint the caller may not manage is NOT_FOUND to it, as an unknown one is. */
  async get(viewer: Principal, id: string): Promise<WebhookEndpointEntity> {
    const endpoint = await this.em
      .fork()
      .findOne(WebhookEndpointEntity, { id: requireId('WebhookEndpoint', id) });
    if (!endpoint || !seesWebhookEndpoint(viewer, endpoint.channel?.id ?? null)) {
      throw notFound('WebhookEndpoint', id);
    }
    return endpoint;
  }

  findByIds(ids: readonly string[]): Promise<WebhookEndpointEntity[]> {
    return this.em.fork().find(WebhookEndpointEntity, { id: { $in: ids.filter(isId) } });
  }

  async create(viewer: Principal, input: CreateWebhookEndpointInput): Promise<EndpointWithSecret> {
    const requested = endpointChannel(viewer, input.channelId);
    const url = storedWebhookUrl('input.url', input.url);
    const kinds = normalizeKinds(input.kinds, KIND_ORDER);
    const channelId = requested === null ? null : requireId('Channel', requested);
    if (channelId !== null && viewer.role === 'ADMIN') {
      const channel = await this.em.fork().findOne(ChannelEntity, { id: channelId });
      if (!channel) throw notFound('Channel', channelId);
    }
    // Names are resolved before the transaction: no row is held while DNS answers.
    await this.checkTarget('input.url', url);
    const secret = newSecret();
    const now = this.clock.now();
    return this.em.fork().transactional(async (em) => {
      // Its position in the log: the settled head, not the committed one. Every change that commits
      // from now on has a position above the settled head (its transaction's id is at least the
      // horizon the head was read below), so none is skipped. The committed head could be above a
      // change still in flight with an older transaction id, which commits after this endpoint is
      // created yet falls behind its position: skipped for good. The price of the settled head is
      // the other way round and harmless: a change committed a moment before, not yet settled, is
      // delivered too.
      const head = await settledHeadOn(em);
      const endpoint = em.create(WebhookEndpointEntity, {
        channel: channelId === null ? null : ref(ChannelEntity, channelId),
        url: url.href,
        kinds,
        secret,
        streamXid: String(head.xid),
        streamId: String(head.id),
        createdAt: now,
        updatedAt: now,
      });
      await em.flush();
      return { endpoint, secret };
    });
  }

  /**
   * New kinds decide which changes become deliveries from now on (those already made still go); a new
   * URL is where every delivery is sent from now on, pending ones included (the sender reads it).
   */
  async update(
    viewer: Principal,
    id: string,
    input: UpdateWebhookEndpointInput,
  ): Promise<WebhookEndpointEntity> {
    const endpointId = requireId('WebhookEndpoint', id);
    // Visibility first: a refused input must not tell a caller that someone else's endpoint exists.
    await this.get(viewer, id);
    const rawUrl = rejectNull('input.url', input.url);
    const kinds = rejectNull('input.kinds', input.kinds);
    const enabled = rejectNull('input.enabled', input.enabled);
    const url = rawUrl === undefined ? undefined : storedWebhookUrl('input.url', rawUrl);
    if (url) await this.checkTarget('input.url', url);
    return this.em.fork().transactional(async (em) => {
      const endpoint = await this.lockVisible(em, viewer, endpointId, id);
      if (url) endpoint.url = url.href;
      if (kinds !== undefined) endpoint.kinds = normalizeKinds(kinds, KIND_ORDER);
      if (enabled === true) {
        // Enabled again by hand: whatever disabled it, and the failing streak, are forgotten.
        endpoint.enabled = true;
        endpoint.disabledReason = null;
        endpoint.failingSince = null;
      } else if (enabled === false && endpoint.enabled) {
        // Already disabled (perhaps by the engine, with its reason): that reason stays.
        endpoint.enabled = false;
        endpoint.disabledReason = disabledByReason(viewer);
      }
      endpoint.updatedAt = this.clock.now();
      await em.flush();
      return endpoint;
    });
  }

  /** Deletes the endpoint and its delivery log (the foreign key cascades); answers its id. */
  async delete(viewer: Principal, id: string): Promise<string> {
    const endpointId = requireId('WebhookEndpoint', id);
    return this.em.fork().transactional(async (em) => {
      const endpoint = await this.lockVisible(em, viewer, endpointId, id);
      em.remove(endpoint);
      await em.flush();
      return endpointId;
    });
  }

  /**
   * A new secret; the one it replaces keeps signing beside it for 24 h (the clock's), so a partner
   * can deploy the new one without refusing deliveries meanwhile. Rotating again within those 24 h
   * keeps only the secret just replaced.
   */
  async rotateSecret(viewer: Principal, id: string): Promise<EndpointWithSecret> {
    const endpointId = requireId('WebhookEndpoint', id);
    const secret = newSecret();
    return this.em.fork().transactional(async (em) => {
      const endpoint = await this.lockVisible(em, viewer, endpointId, id);
      const now = this.clock.now();
      endpoint.previousSecret = endpoint.secret;
      endpoint.previousSecretExpiresAt = new Date(now.getTime() + PREVIOUS_SECRET_GRACE_MS);
      endpoint.secret = secret;
      endpoint.updatedAt = now;
      await em.flush();
      return { endpoint, secret };
    });
  }

  /**
   * Sends a delivery again with the same event id: PENDING, due now, its attempts from 0, any lease
   * dropped (a send in flight elsewhere finds its lease gone and records nothing). Per ticket order
   * holds as for any pending delivery: later pending changes of its ticket wait for it. A delivery of
   * a disabled endpoint is refused (ILLEGAL_TRANSITION): nothing would send it; enable the endpoint
   * first.
   */
  async redeliver(viewer: Principal, deliveryId: string): Promise<WebhookDeliveryEntity> {
    const id = requireId('WebhookDelivery', deliveryId);
    return this.em.fork().transactional(async (em) => {
      const found = await em.findOne(WebhookDeliveryEntity, { id });
      if (!found) throw notFound('WebhookDelivery', deliveryId);
      // The endpoint before the delivery, as deleting an endpoint locks them (no deadlock between
      // the two); shared, so that a concurrent disable waits for this and is not undone by it.
      const endpoint = await em.findOne(
        WebhookEndpointEntity,
        { id: found.endpoint.id },
        { lockMode: LockMode.PESSIMISTIC_READ },
      );
      if (!endpoint || !seesWebhookEndpoint(viewer, endpoint.channel?.id ?? null)) {
        throw notFound('WebhookDelivery', deliveryId);
      }
      const delivery = await em.findOne(
        WebhookDeliveryEntity,
        { id },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      if (!delivery) throw notFound('WebhookDelivery', deliveryId);
      if (!endpoint.enabled) {
        throw new DomainError(
          'ILLEGAL_TRANSITION',
          `Webhook endpoint ${endpoint.id} is disabled: enable it (updateWebhookEndpoint) before redelivering`,
        );
      }
      delivery.status = WebhookDeliveryStatus.PENDING;
      delivery.attempts = 0;
      delivery.nextAttemptAt = this.clock.now();
      delivery.deliveredAt = null;
      delivery.leaseOwner = null;
      delivery.leaseUntil = null;
      await em.flush();
      return delivery;
    });
  }

  /** An endpoint's delivery log, newest first (the caller was allowed the endpoint already). */
  async deliveries(
    endpointId: string,
    args: { first?: number | null; after?: string | null; status?: WebhookDeliveryStatus | null },
  ): Promise<Page<WebhookDeliveryEntity>> {
    const limit = validateFirst(args.first);
    const after = args.after ? decodeDeliveryCursor(args.after) : null;
    const rows = await readDeliveryPage(this.em.fork(), {
      endpointId,
      status: args.status ?? null,
      after,
      limit,
    });
    return {
      items: rows.deliveries,
      cursors: rows.keys.map((key) => encodeCursor([key.at, key.id])),
      hasNextPage: rows.hasNextPage,
      hasPreviousPage: rows.hasPreviousPage,
    };
  }

  private async lockVisible(
    em: EntityManager,
    viewer: Principal,
    endpointId: string,
    asGiven: string,
  ): Promise<WebhookEndpointEntity> {
    const endpoint = await em.findOne(
      WebhookEndpointEntity,
      { id: endpointId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!endpoint || !seesWebhookEndpoint(viewer, endpoint.channel?.id ?? null)) {
      throw notFound('WebhookEndpoint', asGiven);
    }
    return endpoint;
  }

  /**
   * The target rule on save (docs/domain.md "Webhook endpoints"): while private addresses are
   * blocked, a host not on the allow-list must be a public address, or a name whose every address
   * is public. The delivery engine checks again on the address it connects to (DNS rebinding).
   */
  private async checkTarget(field: string, url: URL): Promise<void> {
    const host = targetHost(url);
    if (hostAllowed(host, this.policy)) return;
    let addresses: readonly string[];
    if (isIpAddress(host)) {
      addresses = [host];
    } else {
      try {
        addresses = await this.resolve(host);
      } catch {
        addresses = [];
      }
      if (addresses.length === 0) throw badInput(field, `${field}: the host ${host} could not be resolved`);
    }
    for (const address of addresses) {
      const refusal = targetRefusal(host, address, this.policy);
      if (refusal !== null) throw badInput(field, `${field}: ${host} is refused: ${refusal}`);
    }
  }
}

/** 32 random bytes; the whole string shown, prefix included, is the HMAC key (docs/domain.md). */
function newSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function decodeDeliveryCursor(cursor: string): DeliveryKey {
  const [at, id] = decodeCursor<[string, string]>('after', cursor, isDeliveryCursor);
  return { at, id: id.toLowerCase() };
}

/** A key this server could have written: a time PostgreSQL reads back as itself, and a UUID. */
function isDeliveryCursor(parts: unknown[]): parts is [string, string] {
  const [at, id] = parts;
  if (parts.length !== 2 || typeof at !== 'string' || typeof id !== 'string' || !isId(id)) return false;
  if (!ISO_MICROS.test(at)) return false;
  const date = new Date(`${at.slice(0, 23)}Z`);
  return (
    !Number.isNaN(date.getTime()) &&
    date.getUTCFullYear() >= 1970 &&
    date.toISOString().slice(0, 19) === at.slice(0, 19)
  );
}
