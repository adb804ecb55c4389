import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../domain/auth/principal';
import { seesSla } from '../../domain/auth/visibility';
import type { Clock } from '../../domain/clock';
import { badInput, notFound } from '../../domain/errors';
import {
  MAX_SLA_POSITION,
  type SlaPolicyInput,
  type SlaPolicySettings,
  validateNewSlaPolicy,
  validateSlaPolicyUpdate,
} from '../../domain/sla/sla-policy.rules';
import { dueBreaches } from '../../domain/sla/sla.rules';
import { ChannelEntity } from '../../entities/channel.entity';
import { SlaPolicyEntity } from '../../entities/sla-policy.entity';
import { TicketEntity } from '../../entities/ticket.entity';
import type { ChangeRunner } from '../changes/change.runner';
import { sweepDue } from '../changes/sweep';
import { isId, requireId } from '../ids';
import { dueTimesOf } from './ticket-sla.mapper';

const ORDER = { position: 'asc', createdAt: 'asc', id: 'asc' } as const;

/**
 * SLA policies (admins manage them; agents read them) and the breach of a ticket's targets at
 * their due time, by the breach job or the sweep (docs/domain.md "SLA"). The due times themselves
 * are kept by the change path (ChangeTransaction.settleSla), with every change that can move them.
 */
export class SlaService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly changes: ChangeRunner,
  ) {}

  /** Every policy, in the order they are tried. */
  list(): Promise<SlaPolicyEntity[]> {
    return this.em.fork().find(SlaPolicyEntity, {}, { orderBy: ORDER });
  }

  findByIds(ids: readonly string[]): Promise<SlaPolicyEntity[]> {
    return this.em
      .fork()
      .find(SlaPolicyEntity, { id: { $in: ids.filter(isId).map((id) => id.toLowerCase()) } });
  }

  /** One policy, for callers who see SLAs (node(id)); NOT_FOUND otherwise, as for an unknown id. */
  async get(viewer: Principal, id: string): Promise<SlaPolicyEntity> {
    const policyId = requireId('SlaPolicy', id);
    const policy = seesSla(viewer) ? await this.em.fork().findOne(SlaPolicyEntity, { id: policyId }) : null;
    if (!policy) throw notFound('SlaPolicy', id);
    return policy;
  }

  /** A new policy; without a position it goes after the last one. Tickets are matched to it from now on. */
  async create(input: SlaPolicyInput): Promise<SlaPolicyEntity> {
    const now = this.clock.now();
    return this.em.fork().transactional(async (em) => {
      const [last] = await em.execute<{ next: number }[]>(
        `select coalesce(max(position) + 1, 0)::int as next from sla_policies`,
      );
      const settings = validateNewSlaPolicy(input, Math.min(last?.next ?? 0, MAX_SLA_POSITION), now);
      await requireChannels(em, input.channelIds ?? []);
      const policy = Object.assign(new SlaPolicyEntity(), { createdAt: now });
      writeSettings(policy, settings, now);
      em.persist(policy);
      await em.flush();
      return policy;
    });
  }

  /**
   * Omitted fields keep their value. Tickets already following the policy keep their due times
   * until a change of theirs evaluates them again (docs/domain.md "SLA").
   */
  async update(id: string, input: SlaPolicyInput): Promise<SlaPolicyEntity> {
    const policyId = requireId('SlaPolicy', id);
    const now = this.clock.now();
    return this.em.fork().transactional(async (em) => {
      const policy = await em.findOne(
        SlaPolicyEntity,
        { id: policyId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!policy) throw notFound('SlaPolicy', id);
      const settings = validateSlaPolicyUpdate(settingsOf(policy), input, now);
      if (input.channelIds) await requireChannels(em, input.channelIds);
      writeSettings(policy, settings, now);
      await em.flush();
      return policy;
    });
  }

  /**
   * Removes the policy; its tickets follow none from now on (until a new match: an update of
   * theirs), so their due times and missed targets go with it. Their SLA_BREACHED changes stay in
   * the log. Returns the id.
   */
  async delete(id: string): Promise<string> {
    const policyId = requireId('SlaPolicy', id);
    // Through the change runner for its deadlock retry: the update locks many tickets at once.
    const { value } = await this.changes.run(async ({ tx: em }) => {
      const policy = await em.findOne(
        SlaPolicyEntity,
        { id: policyId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!policy) throw notFound('SlaPolicy', id);
      await em.execute(
        `update tickets set sla_policy_id = null, first_reply_due_at = null, next_reply_due_at = null,
                resolution_due_at = null, sla_breached = '{}', sla_check_at = null
          where sla_policy_id = ?`,
        [policyId],
      );
      await em.nativeDelete(SlaPolicyEntity, { id: policyId });
      return policyId;
    });
    return value;
  }

  /**
   * The breach job's work, and the sweep's for each ticket: under the ticket's row lock, every
   * target due by `now` and not yet breached gets its one SLA_BREACHED change. Returns false (and
   * changes nothing) when none is, so a duplicate, late or stale run is a no-op.
   */
  async checkDue(ticketId: string, now: Date = this.clock.now()): Promise<boolean> {
    if (!isId(ticketId)) return false;
    const { value } = await this.changes.run(async (change) => {
      const ticket = await change.tx.findOne(
        TicketEntity,
        { id: ticketId.toLowerCase() },
        { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
      );
      if (!ticket?.slaPolicy) return false;
      const missed = dueBreaches(dueTimesOf(ticket), ticket.slaBreached, now);
      change.slaBreached(ticket, missed, now);
      return missed.length > 0;
    });
    return value;
  }

  /** The sweep: every ticket with a target due and not yet breached. Returns how many were breached. */
  async breachOverdue(now: Date = this.clock.now(), batch = 500): Promise<number> {
    return sweepDue(
      (limit) =>
        this.em
          .fork()
          .find(
            TicketEntity,
            { slaCheckAt: { $lte: now } },
            { fields: ['id'], orderBy: { slaCheckAt: 'asc' }, limit },
          ),
      (ticket) => this.checkDue(ticket.id, now),
      batch,
    );
  }
}

function writeSettings(policy: SlaPolicyEntity, settings: SlaPolicySettings, now: Date): void {
  Object.assign(policy, {
    ...settings,
    priorities: [...settings.priorities],
    channelIds: [...settings.channelIds],
    updatedAt: now,
  });
}

function settingsOf(policy: SlaPolicyEntity): SlaPolicySettings {
  return {
    name: policy.name,
    position: policy.position,
    priorities: policy.priorities,
    channelIds: policy.channelIds,
    firstReplySeconds: policy.firstReplySeconds,
    nextReplySeconds: policy.nextReplySeconds,
    resolutionSeconds: policy.resolutionSeconds,
    businessHours: policy.businessHours,
  };
}

/** Each id (checked to be one) names a channel; the first that does not is refused by its place in the input. */
async function requireChannels(em: EntityManager, channelIds: readonly string[]): Promise<void> {
  if (channelIds.length === 0) return;
  const ids = [...new Set(channelIds.map((id) => id.toLowerCase()))];
  const found = new Set(
    (await em.find(ChannelEntity, { id: { $in: ids } }, { fields: ['id'] })).map((c) => c.id),
  );
  const missing = channelIds.findIndex((id) => !found.has(id.toLowerCase()));
  if (missing >= 0) {
    throw badInput(
      `input.channelIds[${missing}]`,
      `input.channelIds[${missing}]: channel ${JSON.stringify(channelIds[missing])} does not exist`,
    );
  }
}
