import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../domain/clock';
import { notFound } from '../domain/errors';
import { AgentEntity } from '../entities/agent.entity';
import { ApiTokenEntity } from '../entities/api-token.entity';
import { ChannelEntity } from '../entities/channel.entity';
import type { TicketEventBus } from '../events/ticket-event.bus';
import type { AuthService } from './auth.service';
import { isId, requireId } from './ids';

export interface RotatedToken {
  /** The new bearer token, in clear: shown once. */
  token: string;
  issued: ApiTokenEntity;
  /** The owner's tokens this rotation revoked (none when the caller kept them). */
  revoked: ApiTokenEntity[];
}

/**
 * Admins' management of agent and integration tokens: list, revoke, rotate. A revocation is
 * announced inside its transaction, so once it commits every process closes the sockets signed in
 * with the token; HTTP requests check the token on every request and fail at once.
 */
export class ApiTokenService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly auth: AuthService,
    private readonly bus: TicketEventBus,
  ) {}

  /** Newest first, revoked ones included (an audit of what was issued). */
  listFor(owner: {
    agentIds?: readonly string[];
    channelIds?: readonly string[];
  }): Promise<ApiTokenEntity[]> {
    const agentIds = (owner.agentIds ?? []).filter(isId);
    const channelIds = (owner.channelIds ?? []).filter(isId);
    if (agentIds.length === 0 && channelIds.length === 0) return Promise.resolve([]);
    return this.em
      .fork()
      .find(
        ApiTokenEntity,
        { $or: [{ agent: { $in: agentIds } }, { channel: { $in: channelIds } }] },
        { orderBy: { createdAt: 'desc', id: 'asc' } },
      );
  }

  /** Revoking a revoked token changes nothing and answers with it as it is. */
  async revoke(id: string): Promise<ApiTokenEntity> {
    const tokenId = requireId('Token', id);
    return this.em.fork().transactional(async (em) => {
      const token = await em.findOne(
        ApiTokenEntity,
        { id: tokenId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!token) throw notFound('Token', id);
      if (token.revokedAt === null) {
        token.revokedAt = this.clock.now();
        await em.flush();
        await this.bus.revokeTokens(em, [token.id]);
      }
      return token;
    });
  }

  rotateAgentToken(agentId: string, revokeExisting: boolean): Promise<RotatedToken & { agent: AgentEntity }> {
    const id = requireId('Agent', agentId);
    return this.em.fork().transactional(async (em) => {
      // The owner's row is locked so two rotations of one owner cannot both keep a token alive.
      const agent = await em.findOne(AgentEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!agent) throw notFound('Agent', agentId);
      const revoked = revokeExisting ? await this.revokeAll(em, { agent: agent.id }) : [];
      const { token, record } = this.auth.issueAgentToken(em, agent);
      await this.commitRotation(em, revoked);
      return { agent, token, issued: record, revoked };
    });
  }

  rotateChannelToken(
    channelId: string,
    revokeExisting: boolean,
  ): Promise<RotatedToken & { channel: ChannelEntity }> {
    const id = requireId('Channel', channelId);
    return this.em.fork().transactional(async (em) => {
      const channel = await em.findOne(ChannelEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!channel) throw notFound('Channel', channelId);
      const revoked = revokeExisting ? await this.revokeAll(em, { channel: channel.id }) : [];
      const { token, record } = this.auth.issueChannelToken(em, channel);
      await this.commitRotation(em, revoked);
      return { channel, token, issued: record, revoked };
    });
  }

  private async revokeAll(
    em: EntityManager,
    owner: { agent: string } | { channel: string },
  ): Promise<ApiTokenEntity[]> {
    const live = await em.find(ApiTokenEntity, { ...owner, revokedAt: null });
    const now = this.clock.now();
    for (const token of live) token.revokedAt = now;
    return live;
  }

  private async commitRotation(em: EntityManager, revoked: ApiTokenEntity[]): Promise<void> {
    await em.flush();
    if (revoked.length > 0)
      await this.bus.revokeTokens(
        em,
        revoked.map((t) => t.id),
      );
  }
}
