import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../domain/auth/principal';
import { seesChannel } from '../domain/auth/visibility';
import type { ChannelKind } from '../domain/channel/channel.rules';
import type { Clock } from '../domain/clock';
import { badInput, notFound } from '../domain/errors';
import { normalizeSkills, withoutRequired } from '../domain/skills';
import { normalizeName, rejectNull } from '../domain/text';
import { ChannelEntity } from '../entities/channel.entity';
import { ConversationStyleEntity } from '../entities/conversation-style.entity';
import type { AuthService } from './auth.service';
import { isId, requireId } from './ids';

export interface CreateChannelInput {
  kind: ChannelKind;
  name: string;
  styleId: string;
  requiredSkills?: readonly string[] | null;
  optionalSkills?: readonly string[] | null;
}

export interface UpdateChannelInput {
  name?: string | null;
  styleId?: string | null;
  requiredSkills?: readonly string[] | null;
  optionalSkills?: readonly string[] | null;
}

export class ChannelService {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
    private readonly auth: AuthService,
  ) {}

  /** An integration sees only the channel its token belongs to. */
  list(viewer: Principal): Promise<ChannelEntity[]> {
    const where = viewer.role === 'INTEGRATION' ? { id: viewer.channelId } : {};
    return this.em.fork().find(ChannelEntity, where, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** As `list`: an integration sees only its own channel; any other is NOT_FOUND to it. */
  async get(viewer: Principal, id: string): Promise<ChannelEntity> {
    const channel = await this.em.fork().findOne(ChannelEntity, { id: requireId('Channel', id) });
    if (!channel || !seesChannel(viewer, channel.id)) throw notFound('Channel', id);
    return channel;
  }

  findByIds(ids: readonly string[]): Promise<ChannelEntity[]> {
    return this.em.fork().find(ChannelEntity, { id: { $in: ids.filter(isId) } });
  }

  async create(input: CreateChannelInput): Promise<{ channel: ChannelEntity; token: string }> {
    const name = normalizeName('input.name', input.name);
    const requiredSkills = normalizeSkills('input.requiredSkills', input.requiredSkills ?? []);
    // A skill listed as both is required (docs/domain.md "Skills timeout").
    const optionalSkills = withoutRequired(
      normalizeSkills('input.optionalSkills', input.optionalSkills ?? []),
      requiredSkills,
    );
    const now = this.clock.now();
    return this.em.fork().transactional(async (em) => {
      const style = await this.requireStyle(em, 'input.styleId', input.styleId);
      const channel = em.create(ChannelEntity, {
        kind: input.kind,
        name,
        style,
        requiredSkills,
        optionalSkills,
        createdAt: now,
        updatedAt: now,
      });
      const { token } = this.auth.issueChannelToken(em, channel);
      await em.flush();
      return { channel, token };
    });
  }

  async update(id: string, input: UpdateChannelInput): Promise<ChannelEntity> {
    const channelId = requireId('Channel', id);
    const name = rejectNull('input.name', input.name);
    const styleId = rejectNull('input.styleId', input.styleId);
    const skills = rejectNull('input.requiredSkills', input.requiredSkills);
    const optional = rejectNull('input.optionalSkills', input.optionalSkills);
    const newName = name === undefined ? undefined : normalizeName('input.name', name);
    const newSkills = skills === undefined ? undefined : normalizeSkills('input.requiredSkills', skills);
    const newOptional =
      optional === undefined ? undefined : normalizeSkills('input.optionalSkills', optional);

    return this.em.fork().transactional(async (em) => {
      const channel = await em.findOne(ChannelEntity, { id: channelId });
      if (!channel) throw notFound('Channel', id);
      // A ticket keeps the style it was created with; a new style applies to new tickets only.
      if (styleId !== undefined) channel.style = ref(await this.requireStyle(em, 'input.styleId', styleId));
      if (newName !== undefined) channel.name = newName;
      if (newSkills !== undefined) channel.requiredSkills = newSkills;
      if (newOptional !== undefined || newSkills !== undefined) {
        // A skill listed as both is required, whichever of the two lists changed.
        channel.optionalSkills = withoutRequired(
          newOptional ?? channel.optionalSkills,
          channel.requiredSkills,
        );
      }
      channel.updatedAt = this.clock.now();
      await em.flush();
      return channel;
    });
  }

  /** A channel's style must exist: that is bad input (the field is wrong), not a missing channel. */
  private async requireStyle(
    em: EntityManager,
    field: string,
    styleId: string,
  ): Promise<ConversationStyleEntity> {
    const style = isId(styleId)
      ? await em.findOne(ConversationStyleEntity, { id: styleId.toLowerCase() })
      : null;
    if (!style)
      throw badInput(field, `${field}: conversation style ${JSON.stringify(styleId)} does not exist`);
    return style;
  }
}
